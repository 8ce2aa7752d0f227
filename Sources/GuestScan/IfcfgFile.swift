/// A Red Hat-style interface file, `/etc/sysconfig/network-scripts/ifcfg-NAME` (SUSE:
/// `/etc/sysconfig/network/ifcfg-NAME`): shell-style `KEY=value` lines read by initscripts and
/// NetworkManager's ifcfg plugin. `HWADDR` binds the file to one NIC's MAC and `MACADDR` sets
/// one; `BOOTPROTO=static` or `none` with an `IPADDR` gives the NIC a fixed address.
public enum IfcfgFile {
    /// Where the files are, by distribution family.
    public static let directories = ["/etc/sysconfig/network-scripts", "/etc/sysconfig/network"]

    /// The pins in the text of ifcfg file `path`. The loopback file (`DEVICE=lo`, `ifcfg-lo`)
    /// never pins.
    public static func pins(in bytes: [UInt8], path: String) -> [NetworkPin] {
        var values: [String: (value: Substring, line: Int)] = [:]
        var order: [String] = []
        for line in GuestTextLines(bytes) where !line.isBlankOrComment() {
            for (name, value) in EnvironmentAssignments.assignments(line.trimmed) {
                let key = name.uppercased()
                if values[key] == nil { order.append(key) }
                values[key] = (value, line.number)
            }
        }
        let fileName = path.split(separator: "/").last.map(String.init) ?? path
        let device = values["DEVICE"].map { String($0.value) } ?? values["NAME"].map { String($0.value) }
            ?? (fileName.hasPrefix("ifcfg-") ? String(fileName.dropFirst(6)) : nil)
        guard device != "lo" else { return [] }
        func set(_ key: String) -> Bool { values[key].map { !$0.value.trimmingBlanks.isEmpty } ?? false }

        var pins: [NetworkPin] = []
        for key in ["HWADDR", "MACADDR"] where set(key) {
            pins.append(NetworkPin(path: path, line: values[key]?.line, field: key, kind: .macAddress, interface: device))
        }
        let bootProto = values["BOOTPROTO"].map { $0.value.trimmingBlanks.lowercased() }
        let address = order.first { ($0 == "IPADDR" || $0.hasPrefix("IPADDR") && $0.dropFirst(6).allSatisfy(\.isNumber)) && set($0) }
        if let bootProto, bootProto == "static" || bootProto == "none", let address {
            pins.append(NetworkPin(path: path, line: values["BOOTPROTO"]?.line ?? values[address]?.line,
                                   field: "BOOTPROTO=\(bootProto) with \(address)", kind: .staticAddress, interface: device))
        }
        return pins
    }
}
