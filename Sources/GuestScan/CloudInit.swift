import Findings
import ImagePackage

/// cloud-init: IMS injects passwords and SSH keys at first boot through it, so a Linux image needs
/// it installed (KG407) and its per-instance state cleared (KG408).
enum CloudInit {
    /// Most instance directory names listed in a finding.
    static let maxInstancesListed = 16

    /// KG407: neither `/usr/bin/cloud-init` nor `/etc/cloud/cloud.cfg` exists. When the
    /// metadata's `__support_fc_inject` is `"true"` (IMS: the image does not support Cloud-Init
    /// password and key injection), it joins the evidence: IMS says the same.
    static func missing(reader: GuestFileReader, metadata: IMSMetadata? = nil) -> [Finding] {
        let binary = reader.stat("/usr/bin/cloud-init")
        let config = reader.stat("/etc/cloud/cloud.cfg")
        guard binary == nil, config == nil else { return [] }
        var evidence = [("/usr/bin/cloud-init", "absent"), ("/etc/cloud/cloud.cfg", "absent")]
        if case let .string(inject)? = metadata?["__support_fc_inject"], inject.lowercased() == "true" {
            evidence.append(("__support_fc_inject", inject))
        } else if case .bool(true)? = metadata?["__support_fc_inject"] {
            evidence.append(("__support_fc_inject", "true"))
        }
        return [Finding(.cloudInitMissing,
                        message: "cloud-init is not installed (no /usr/bin/cloud-init, no /etc/cloud/cloud.cfg): IMS cannot set the buyer's password or keys",
                        evidence: evidence)]
    }

    /// KG408: `/var/lib/cloud/instances/` holds an entry.
    static func stateLeft(reader: GuestFileReader) -> [Finding] {
        guard let entries = reader.list("/var/lib/cloud/instances"), !entries.isEmpty else { return [] }
        let names = entries.map(\.name).sorted()
        let listed = names.prefix(maxInstancesListed).joined(separator: ", ")
        return [Finding(.cloudInitStateLeft,
                        message: "/var/lib/cloud/instances holds the state of \(names.count) instance\(names.count == 1 ? "" : "s") (\(listed)): the first boot of a buyer's instance may skip its setup",
                        evidence: [("directory", "/var/lib/cloud/instances"), ("entries", listed)])]
    }
}
