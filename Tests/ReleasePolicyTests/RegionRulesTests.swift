import Testing
import DiskImage
import ImagePackage
@testable import ReleasePolicy

@Suite struct RegionRulesTests {
    func inRegion(_ region: String) throws -> ImageCase {
        try Cases.clean(metadata: [("region", .string(region))])
    }

    // KG110 region-not-allowed

    @Test func consoleNameAndIDOfAnAllowedRegionAreBothAccepted() throws {
        #expect(!Rules.regionNotAllowed.fires(on: try inRegion("AP-Singapore")))
        #expect(!Rules.regionNotAllowed.fires(on: try inRegion("ap-southeast-3")))
        #expect(!Rules.regionNotAllowed.fires(on: try inRegion("cn-hong kong")))
        #expect(!Rules.regionNotAllowed.fires(on: try inRegion(" LA-Sao Paulo1 ")))
    }

    @Test func aRegionOutsideTheTableFiresKG110() throws {
        let finding = try #require(Rules.regionNotAllowed.finding(on: try inRegion("cn-north-4")))
        #expect(finding.evidence("region") == "cn-north-4")
        #expect(finding.message.contains("cn-north-4"))
    }

    @Test func theCommandLineRegionOverridesTheSidecar() throws {
        var imageCase = try inRegion("cn-north-4")
        imageCase.regionOverride = "AP-Bangkok"
        #expect(!Rules.regionNotAllowed.fires(on: imageCase))
        #expect(Classification(imageCase).regionID == "ap-southeast-2")
        imageCase = try inRegion("ap-southeast-3")
        imageCase.regionOverride = "eu-west-101"
        #expect(Rules.regionNotAllowed.finding(on: imageCase)?.evidence("--region") == "eu-west-101")
    }

    @Test func eachDisallowedReleaseFileRegionFiresKG110() throws {
        var imageCase = try Cases.clean()
        imageCase.releaseFileRegions = ["AP-Singapore", "cn-north-4", "af-south-1", "CN-North-Beijing4"]
        let findings = Rules.regionNotAllowed.evaluate(imageCase)
        #expect(findings.map { $0.evidence("release file") } == ["cn-north-4", "CN-North-Beijing4"])
    }

    @Test func aProfileCanAllowAnotherRegion() throws {
        var profile = PolicyProfile.kooGallery
        profile.allowedRegions.append("cn-north-4")
        #expect(!Rules.regionNotAllowed.fires(on: try inRegion("CN-NORTH-4"), profile: profile))
    }

    // KG111 region-unknown

    @Test func noRegionAnywhereFiresKG111() throws {
        let finding = try #require(Rules.regionUnknown.finding(on: try Cases.clean(metadata: [("region", nil)])))
        #expect(finding.severity == .warning)
        #expect(!Rules.regionNotAllowed.fires(on: try Cases.clean(metadata: [("region", nil)])))
    }

    @Test func anyRegionSourceSilencesKG111() throws {
        var imageCase = try Cases.clean(metadata: [("region", nil)])
        imageCase.regionOverride = "ap-southeast-1"
        #expect(!Rules.regionUnknown.fires(on: imageCase))
        imageCase.regionOverride = nil
        imageCase.releaseFileRegions = ["LA-Santiago"]
        #expect(!Rules.regionUnknown.fires(on: imageCase))
        #expect(!Rules.regionUnknown.fires(on: try Cases.clean()))
        imageCase.releaseFileRegions = ["  "]  // blank names name no region
        #expect(Rules.regionUnknown.fires(on: imageCase))
    }

    // Regions

    @Test func everyTableRegionResolvesByNameAndID() {
        #expect(Regions.all.count == 8)
        for region in Regions.all {
            #expect(Regions.region(named: region.consoleName)?.id == region.id)
            #expect(Regions.region(named: region.consoleName.uppercased())?.id == region.id)
            #expect(Regions.region(named: region.id.uppercased()) == region)
        }
        #expect(Regions.region(named: "LA-Mexico City2")?.id == "la-north-2")
        #expect(Regions.region(named: "cn-north-4") == nil)
        #expect(Regions.normalizedID("CN-North-4") == "cn-north-4")
        #expect(Regions.normalizedID("AP-Singapore") == "ap-southeast-3")
        #expect(Regions.normalizedID(" ") == nil)
    }
}
