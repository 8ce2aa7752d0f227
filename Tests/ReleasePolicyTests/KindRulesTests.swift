import Testing
import DiskImage
import ImagePackage
@testable import ReleasePolicy

@Suite struct KindRulesTests {
    // KG101 full-ecs-image

    @Test func wholeImageTrueAsABooleanFiresKG101() throws {
        let finding = try #require(Rules.fullECSImage.finding(on: try Cases.clean(metadata: [("__whole_image", .bool(true))])))
        #expect(finding.evidence("__whole_image") == "true")
        #expect(finding.severity == .error)
    }

    @Test func wholeImageTrueAsAStringFiresKG101() throws {
        let finding = try #require(Rules.fullECSImage.finding(on: try Cases.clean(metadata: [("__whole_image", .string("true"))])))
        #expect(finding.evidence("__whole_image") == "true")
    }

    @Test func wholeImageFalseOrAbsentDoesNotFireKG101() throws {
        #expect(!Rules.fullECSImage.fires(on: try Cases.clean()))
        #expect(!Rules.fullECSImage.fires(on: try Cases.clean(metadata: [("__whole_image", .string("false"))])))
        #expect(!Rules.fullECSImage.fires(on: try Cases.clean(metadata: [("__whole_image", nil)])))
    }

    @Test func aBackupIDWithoutWholeImageFalseFiresKG101() throws {
        let finding = try #require(Rules.fullECSImage.finding(on: try Cases.clean(metadata: [
            ("__whole_image", nil), ("__backup_id", .string("c3b2a1f0-9e8d-4c7b-a6f5-e4d3c2b1a0f9"))])))
        #expect(finding.evidence("__backup_id") == "c3b2a1f0-9e8d-4c7b-a6f5-e4d3c2b1a0f9")
    }

    @Test func aBackupIDOnAnExplicitSystemDiskIsKG119NotKG101() throws {
        let imageCase = try Cases.clean(metadata: [("__backup_id", .string("c3b2a1f0-9e8d-4c7b-a6f5-e4d3c2b1a0f9"))])
        #expect(!Rules.fullECSImage.fires(on: imageCase))
        #expect(Rules.backupOrigin.fires(on: imageCase))
    }

    @Test func dataDisksInThePackageFireKG101() throws {
        var imageCase = try Cases.clean()
        imageCase.dataDiskCount = 2
        let finding = try #require(Rules.fullECSImage.finding(on: imageCase))
        #expect(finding.evidence("data disks in package") == "2")
        imageCase.dataDiskCount = 0
        #expect(!Rules.fullECSImage.fires(on: imageCase))
    }

    // KG102 not-system-disk

    @Test func aDataImageFiresKG102() throws {
        let finding = try #require(Rules.notSystemDisk.finding(on: try Cases.clean(metadata: [("virtual_env_type", .string("DataImage"))])))
        #expect(finding.evidence("virtual_env_type") == "DataImage")
        #expect(finding.message.contains("data disk image"))
    }

    @Test func aBareMetalImageFiresKG102() throws {
        #expect(Rules.notSystemDisk.fires(on: try Cases.clean(metadata: [("virtual_env_type", .string("Ironic"))])))
    }

    @Test func anISOFiresKG102ByHeaderOrMetadata() throws {
        var imageCase = try Cases.clean()
        imageCase.info = Cases.info(format: "iso", virtualSize: 700 << 20)
        let finding = try #require(Rules.notSystemDisk.finding(on: imageCase))
        #expect(finding.evidence("format") == "iso")
        let byMetadata = try Cases.clean(metadata: [("virtual_env_type", .string("IsoImage")), ("disk_format", .string("iso"))])
        let second = try #require(Rules.notSystemDisk.finding(on: byMetadata))
        #expect(second.evidence("virtual_env_type") == "IsoImage")
    }

    @Test func aBlankGuestDiskFiresKG102() throws {
        var imageCase = try Cases.clean()
        imageCase.guest = GuestFacts(partitionTable: .none, boot: .none, hasFilesystem: false)
        let finding = try #require(Rules.notSystemDisk.finding(on: imageCase))
        #expect(finding.evidence("partition table") == "none")
    }

    @Test func aFusionComputeImageWithAPartitionTableOrAFilesystemDoesNotFireKG102() throws {
        var imageCase = try Cases.clean()
        #expect(!Rules.notSystemDisk.fires(on: imageCase))
        imageCase.guest = GuestFacts(partitionTable: .none, boot: .none, hasFilesystem: true)  // whole-disk filesystem
        #expect(!Rules.notSystemDisk.fires(on: imageCase))
        imageCase.guest = GuestFacts(partitionTable: .gpt, boot: .none, hasFilesystem: false)
        #expect(!Rules.notSystemDisk.fires(on: imageCase))
        #expect(!Rules.notSystemDisk.fires(on: try Cases.clean(metadata: [("virtual_env_type", .string("fusioncompute"))])))
    }

    // KG119 backup-origin

    @Test func aServerBackupDataOriginFiresKG119() throws {
        let finding = try #require(Rules.backupOrigin.finding(on: try Cases.clean(metadata: [
            ("__data_origin", .string("server_backup,5d0c8b7a-6f43-4e21-9c3f-2d1b0a9e8f7c"))])))
        #expect(finding.evidence("__data_origin") == "server_backup,5d0c8b7a-6f43-4e21-9c3f-2d1b0a9e8f7c")
    }

    @Test func anInstanceOriginWithAnEmptyBackupIDDoesNotFireKG119() throws {
        #expect(!Rules.backupOrigin.fires(on: try Cases.clean()))
        #expect(!Rules.backupOrigin.fires(on: try Cases.clean(metadata: [("__data_origin", .string("volume,9e21-5d0c"))])))
    }

    @Test func aFullECSImageFromABackupIsReportedOnlyByKG101() throws {
        let imageCase = try Cases.clean(metadata: [("__whole_image", .string("true")),
                                                   ("__backup_id", .string("c3b2a1f0")),
                                                   ("__data_origin", .string("server_backup,c3b2a1f0"))])
        #expect(Rules.fullECSImage.fires(on: imageCase))
        #expect(!Rules.backupOrigin.fires(on: imageCase))
    }
}
