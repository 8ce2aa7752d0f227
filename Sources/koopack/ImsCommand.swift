import ArgumentParser
import CloudAPI
import DiskImage
import ReleasePolicy

/// `koopack ims`: ask Huawei Cloud's Image Management Service itself, signed with AK/SK.
struct ImsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ims",
        abstract: "Ask Huawei Cloud's Image Management Service (IMS) directly, signed with AK/SK.",
        subcommands: [ImsImagesCommand.self]
    )
}

/// `koopack ims images`: the account's IMS image list, every page, as one `{"images": [...]}`.
struct ImsImagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images",
        abstract: "Print the account's IMS image list of each region, every page merged.",
        discussion: """
            Lists the images of each --region with GET /v2/cloudimages, reading every page, and \
            prints one IMS list response {"images": [...]}: the shape `check`, `audit` and \
            metadata sidecars read, so the list can be saved and judged offline. Each image gets \
            koopack's `region` key. Regions are asked concurrently.

            Credentials come from HUAWEICLOUD_SDK_AK and HUAWEICLOUD_SDK_SK (with \
            HUAWEICLOUD_SDK_SECURITY_TOKEN for temporary credentials); every request is signed \
            with SDK-HMAC-SHA256. The project of each region is asked of IAM (GET \
            /v3/projects?name=REGION) unless HUAWEICLOUD_SDK_PROJECT_ID names it (it is then \
            used for every region). The secret key and the token are never printed.

            Endpoints are https://{service}.{region}.myhuaweicloud.com (.eu for eu-west-101), \
            or --endpoint-template / KOOPACK_ENDPOINT_TEMPLATE. TLS is always verified; \
            SSL_CERT_FILE and --ca-certificates add CAs to the system's. HTTPS_PROXY and \
            NO_PROXY are honoured. KOOPACK_HTTP_TIMEOUT sets the timeouts in seconds (TOTAL or \
            CONNECT,TOTAL; default 10,60). Connection errors, 429 and 5xx are retried (at most 4 \
            tries, honouring Retry-After).

            Exit status: 0, or 2 when a region could not be listed (its error on standard error; \
            the other regions are still printed) or on a usage error.
            """
    )

    @Option(name: .long, help: ArgumentHelp("A region to list, by ID or console name (repeat for several).", valueName: "region"))
    var region: [String]

    @Option(name: .customLong("image-id"), help: ArgumentHelp("Only the image with this ID.", valueName: "id"))
    var imageID: String?

    @Option(name: .long, help: ArgumentHelp("Only images of this type: private, shared, market or gold.", valueName: "type"))
    var imagetype: IMSClient.ImageType?

    @OptionGroup var cloud: CloudOptions

    func validate() throws {
        guard !region.isEmpty else { throw ValidationError("give at least one --region") }
    }

    func run() async throws {
        let regions = region.compactMap { Regions.normalizedID($0) }
        let client: IMSClient
        do { client = try cloud.imsClient() } catch {
            Terminal.diagnose("\(error)")
            throw ExitCode(2)
        }
        let results = await client.images(regions: regions, filter: IMSClient.Filter(imageID: imageID, imageType: imagetype))
        var failed = false
        for result in results {
            if case let .failure(error) = result.result {
                Terminal.diagnose("region \(result.region): \(error)")
                failed = true
            }
        }
        Terminal.write(IMSClient.listResponse(results).serialized(indent: 4) + "\n")
        if failed { throw ExitCode(2) }
    }
}

extension IMSClient.ImageType: ExpressibleByArgument {}
