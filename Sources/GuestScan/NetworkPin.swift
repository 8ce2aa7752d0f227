/// A network setting that ties the guest to the ECS its image was made from (KG413): a NIC
/// matched or renamed by its MAC address, which a buyer's instance will not have, or a static
/// address where IMS hands out addresses by DHCP. The network parsers return these.
public struct NetworkPin: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// How the setting pins the network.
    public enum Kind: String, Sendable {
        /// A MAC address that selects or renames a NIC (`HWADDR`, `ATTR{address}`, `macaddress`).
        case macAddress = "MAC address"
        /// A fixed IP address instead of DHCP (`BOOTPROTO=static`, `inet static`, netplan `addresses`).
        case staticAddress = "static address"
    }

    /// The file, as the guest sees it.
    public var path: String
    /// The line of the field, counted from 1; nil when the format gives none.
    public var line: Int?
    /// The field that pins (`HWADDR`, `ATTR{address}`, `ethernets.eth0.match.macaddress`,
    /// `iface eth0 inet static`).
    public var field: String
    public var kind: Kind
    /// The interface the setting is for, when the file says (`eth0`).
    public var interface: String?

    public init(path: String, line: Int?, field: String, kind: Kind, interface: String? = nil) {
        self.path = path
        self.line = line
        self.field = field
        self.kind = kind
        self.interface = interface
    }

    /// `path:line: field (kind, interface)`.
    public var description: String {
        "\(path)\(line.map { ":\($0)" } ?? ""): \(field) (\(kind.rawValue)\(interface.map { ", \($0)" } ?? ""))"
    }
}
