import Testing
import DiskImage
import ImagePackage
@testable import ReleasePolicy

@Suite struct ClassificationTests {
    @Test func aCleanPrivateImageIsAPublicDerivedSystemDisk() throws {
        let classification = Classification(try Cases.clean())
        #expect(classification.kind == .systemDisk)
        #expect(classification.provenance == .publicDerived)
        #expect(!classification.encrypted)
        #expect(classification.regionID == "ap-southeast-3")
        #expect(classification.regionSource == .metadata)
    }

    @Test func kindsFollowTheMetadataAndThePackage() throws {
        #expect(Classification(try Cases.clean(metadata: [("__whole_image", .string("true"))])).kind == .fullECS)
        #expect(Classification(try Cases.clean(metadata: [("__whole_image", nil), ("__backup_id", .string("c3b2"))])).kind == .fullECS)
        #expect(Classification(try Cases.clean(metadata: [("__backup_id", .string("c3b2"))])).kind == .systemDisk)
        #expect(Classification(try Cases.clean(metadata: [("virtual_env_type", .string("DataImage"))])).kind == .dataDisk)
        #expect(Classification(try Cases.clean(metadata: [("virtual_env_type", .string("Ironic"))])).kind == .bareMetal)
        #expect(Classification(try Cases.clean(metadata: [("virtual_env_type", .string("IsoImage"))])).kind == .iso)
        #expect(Classification(try Cases.clean(metadata: [("disk_format", .string("iso"))])).kind == .iso)
        var withDataDisks = try Cases.clean()
        withDataDisks.dataDiskCount = 1
        #expect(Classification(withDataDisks).kind == .fullECS)
        #expect(Classification(ImageCase(fileName: "a.iso", info: Cases.info(format: "iso"))).kind == .iso)
        #expect(Classification(ImageCase(fileName: "a.qcow2")).kind == .systemDisk)
    }

    @Test func provenanceFollowsTheMetadata() throws {
        var released = try Cases.clean()
        released.releasedIDs = ["8c2a4e1f-7b3d-4f6a-9e21-5d0c8b7a6f43"]
        #expect(Classification(released).provenance == .released)
        #expect(Classification(try Cases.clean(metadata: [("__imagetype", .string("shared"))])).provenance == .shared)
        #expect(Classification(try Cases.clean(metadata: [("__productcode", .string("OFFI82345"))])).provenance == .marketDerived)
        #expect(Classification(try Cases.clean(metadata: [("__root_origin", .string("file")), ("__data_origin", .string("file,obs://b/w.vhd"))])).provenance == .externalFile)
        #expect(Classification(try Cases.clean(metadata: [("__imagetype", .string("gold")), ("visibility", .string("public")),
                                                          ("__data_origin", nil), ("__originalimagename", nil)])).provenance == .publicDerived)
        #expect(Classification(try Cases.clean(metadata: [("__data_origin", nil), ("__originalimagename", nil)])).provenance == .unknown)
        #expect(Classification(ImageCase(fileName: "a.qcow2")).provenance == .unknown)
    }

    @Test func encryptionComesFromMetadataOrHeader() throws {
        #expect(Classification(try Cases.clean(metadata: [("__system__cmkid", .string("83cdb52d"))])).encrypted)
        #expect(Classification(try Cases.clean(metadata: [("__system_encrypted", .string("1"))])).encrypted)
        var info = Cases.info()
        info.encrypted = true
        #expect(Classification(ImageCase(fileName: "a.qcow2", info: info)).encrypted)
    }

    @Test func theRegionIsNormalisedToItsID() throws {
        #expect(Classification(try Cases.clean(metadata: [("region", .string("AP-Singapore"))])).regionID == "ap-southeast-3")
        var imageCase = try Cases.clean(metadata: [("region", nil)])
        imageCase.releaseFileRegions = ["CN-Hong Kong"]
        let classification = Classification(imageCase)
        #expect(classification.regionID == "ap-southeast-1")
        #expect(classification.regionSource == .releaseFile)
        imageCase.regionOverride = "LA-Mexico City1"
        #expect(Classification(imageCase).regionID == "na-mexico-1")
        #expect(Classification(imageCase).regionSource == .commandLine)
        #expect(Classification(ImageCase(fileName: "x")).regionID == nil)
    }
}
