import Foundation

/// nginx from Debian, started by a test on a free loopback port with a configuration written at
/// test time, serving one folder read-only; stopped when released. Its access log records each
/// request's status and `$bytes_sent`, the server's own count of what koopack cost.
public final class Nginx: @unchecked Sendable {
    public static let binary = "/usr/sbin/nginx"
    public static let installed = FileManager.default.isExecutableFile(atPath: binary)

    public let port: Int
    public let directory: String

    public init(root: String) throws {
        directory = NSTemporaryDirectory() + "koopack-nginx-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var lastError = "nginx did not start"
        for _ in 0..<5 {
            let port = try Self.freePort()
            try Self.configuration(root: root, port: port, directory: directory)
                .write(toFile: directory + "/nginx.conf", atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.binary)
            process.arguments = ["-c", directory + "/nginx.conf", "-p", directory, "-e", directory + "/error.log"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            if Self.waitForListener(port: port, process: process) {
                self.port = port
                self.running = process
                return
            }
            stop(process)
            lastError = (try? String(contentsOfFile: directory + "/error.log", encoding: .utf8)) ?? lastError
        }
        throw NSError(domain: "nginx", code: 1, userInfo: [NSLocalizedDescriptionKey: lastError])
    }

    private var running: Process?

    /// Lines of the access log: `METHOD URI STATUS BYTES_SENT RANGE`.
    /// nginx writes a request's line when it finishes the request, which
    /// can be just after the client has the last byte: the log is read until it holds a line and
    /// two reads 50 ms apart agree (at most 2 s).
    public func accessLog() -> [(status: Int, bytesSent: Int, range: String)] {
        var text = ""
        for _ in 0..<40 {
            let now = (try? String(contentsOfFile: directory + "/access.log", encoding: .utf8)) ?? ""
            if !now.isEmpty && now == text { break }
            text = now
            usleep(50_000)
        }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", maxSplits: 4).map(String.init)
            guard fields.count >= 4, let status = Int(fields[2]), let bytes = Int(fields[3]) else { return nil }
            return (status, bytes, fields.count > 4 ? fields[4] : "")
        }
    }

    public func url(_ name: String) -> String { "http://127.0.0.1:\(port)/\(name)" }

    deinit {
        if let running { stop(running) }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// One process (no master, no daemon), everything under `directory`, `root` served as is.
    static func configuration(root: String, port: Int, directory: String) -> String {
        """
        daemon off;
        master_process off;
        worker_processes 1;
        pid \(directory)/nginx.pid;
        error_log \(directory)/error.log;
        events { worker_connections 64; }
        http {
            log_format ranges '$request_method $uri $status $bytes_sent $http_range';
            access_log \(directory)/access.log ranges;
            client_body_temp_path \(directory)/body;
            proxy_temp_path \(directory)/proxy;
            fastcgi_temp_path \(directory)/fastcgi;
            uwsgi_temp_path \(directory)/uwsgi;
            scgi_temp_path \(directory)/scgi;
            default_type application/octet-stream;
            server {
                listen 127.0.0.1:\(port);
                root \(root);
                location / { limit_except GET { deny all; } }
            }
        }
        """
    }

    /// A port nothing listens on now (the kernel's pick for port 0).
    public static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else { throw NSError(domain: "nginx", code: 2, userInfo: [NSLocalizedDescriptionKey: "no free port"]) }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// Whether something accepts connections on `port` within ten seconds (and nginx still runs).
    public static func waitForListener(port: Int, process: Process) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline, process.isRunning {
            let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = UInt16(port).bigEndian
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
                }
            }
            close(descriptor)
            if connected { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }
}

/// Stops a server: SIGTERM, then SIGKILL if it is still there after five seconds.
public func stop(_ process: Process) {
    guard process.isRunning else { return }
    process.terminate()
    let deadline = Date().addingTimeInterval(5)
    while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
}

