import ArgumentParser
import CloudAPI
import ReleasePolicy

/// The options every command that asks Huawei Cloud shares: where the endpoints are, which CAs
/// to trust, and whether to show each request.
struct CloudOptions: ParsableArguments {
    @Option(name: .customLong("endpoint-template"), help: ArgumentHelp(
        "Endpoint URL with {service} and {region} (default: https://{service}.{region}.myhuaweicloud.com; also KOOPACK_ENDPOINT_TEMPLATE).",
        valueName: "url"))
    var endpointTemplate: String?

    @Option(name: .customLong("ca-certificates"), help: ArgumentHelp(
        "A PEM file of CA certificates to trust besides the system's (as SSL_CERT_FILE).", valueName: "file"))
    var caCertificates: String?

    @Flag(name: .long, help: "Print each IMS request on standard error (method, URL without its query, status, request ID, milliseconds) and, for images given by URL, the bytes and HTTP requests each one cost.")
    var verbose = false

    /// The IMS client the environment and these options describe. Throws a `CloudAPIError`
    /// naming a missing variable or a bad option.
    func imsClient() throws -> IMSClient {
        let environment = ProcessEnvironment.current()
        let credentials = try Credentials.fromEnvironment(environment)
        let endpoints = try Endpoints.resolve(option: endpointTemplate, environment: environment)
        let configuration = try HTTPConfiguration.fromEnvironment(environment, caFile: caCertificates)
        var observer: (@Sendable (HTTPExchange) -> Void)?
        if verbose { observer = { exchange in Terminal.diagnose(exchange.summary) } }
        return IMSClient(credentials: credentials, endpoints: endpoints, http: HTTPClient(configuration: configuration, observer: observer))
    }
}

/// `--cloud` and its connection options, for the commands that judge images (`check`, `audit`,
/// `bundle`): with `--cloud` the images' metadata comes from IMS itself, asked in each
/// `--region` (every allowed region when none is given), instead of from sidecar files.
struct CloudLookupOptions: ParsableArguments {
    @Flag(name: .long, help: ArgumentHelp(
        "Read the images' metadata from IMS (signed with HUAWEICLOUD_SDK_AK/SK) in each --region, or every allowed region; IMS's answer wins over a sidecar."))
    var cloud = false

    @OptionGroup var connection: CloudOptions

    /// The region IDs to ask: those given (console names or IDs), else every region `profile`
    /// allows; and whether they were given (a region the seller named must answer).
    static func regions(_ given: [String], profile: PolicyProfile) -> (ids: [String], named: Bool) {
        let named = given.compactMap { Regions.normalizedID($0) }
        var seen = Set<String>()
        let ids = (named.isEmpty ? profile.allowedRegions.compactMap { Regions.normalizedID($0) } : named).filter { seen.insert($0).inserted }
        return (ids, !named.isEmpty)
    }

    /// Diagnoses each region that failed (its error names the endpoint, status and request ID)
    /// and says whether any did.
    static func diagnose(_ search: IMSImageSearch) -> Bool {
        for failure in search.failures { Terminal.diagnose("region \(failure.region): \(failure.error)") }
        return !search.failures.isEmpty
    }
}
