import Yams

/// A netplan file, `/etc/netplan/*.yaml` (Ubuntu): `network:` with one mapping per device type
/// (`ethernets`, `bonds`, ...) of devices by ID. `macaddress` under a device (setting its MAC)
/// or under its `match` (selecting the NIC by MAC) pins it; `addresses` without `dhcp4: true`
/// gives it a fixed address.
public enum NetplanConfig {
    /// Where netplan reads its files (`/lib/netplan` and `/run/netplan` too, but images carry
    /// their own in `/etc`).
    public static let directory = "/etc/netplan"
    /// Device types a netplan `network` mapping holds.
    static let deviceTypes: Set<String> = [
        "ethernets", "wifis", "bonds", "bridges", "vlans", "tunnels", "modems", "vrfs",
        "dummy-devices", "virtual-ethernets", "nm-devices",
    ]

    /// The pins in the text of netplan file `path`; none when it is not YAML. The loopback
    /// device `lo` never pins.
    public static func pins(in bytes: [UInt8], path: String) -> [NetworkPin] {
        guard let root = YAMLWalk.compose(bytes) else { return [] }
        var pins: [NetworkPin] = []
        var dhcp4: [String: Bool] = [:]
        var addresses: [(device: String, line: Int?, field: String)] = []
        YAMLWalk.entries(of: root) { ancestors, key, keyNode, value in
            // network.<type>.<device>.<...>
            guard ancestors.count >= 3, ancestors[0] == .key("network"), case let .key(type) = ancestors[1],
                  deviceTypes.contains(type), case let .key(device) = ancestors[2], device != "lo" else { return }
            let field = DocumentPath.text(ancestors, key)
            if key == "macaddress", let text = YAMLWalk.scalar(value), !Substring(text).trimmingBlanks.isEmpty {
                pins.append(NetworkPin(path: path, line: YAMLWalk.line(keyNode), field: field, kind: .macAddress, interface: device))
            }
            guard ancestors.count == 3 else { return }
            if key == "dhcp4" {
                dhcp4[device] = ["true", "yes", "on", "y"].contains((YAMLWalk.scalar(value) ?? "").lowercased())
            }
            if key == "addresses", case let .sequence(list) = value, !list.isEmpty {
                addresses.append((device, YAMLWalk.line(keyNode), field))
            }
        }
        for entry in addresses where dhcp4[entry.device] != true {
            pins.append(NetworkPin(path: path, line: entry.line, field: entry.field + " without dhcp4: true",
                                   kind: .staticAddress, interface: entry.device))
        }
        return pins
    }
}
