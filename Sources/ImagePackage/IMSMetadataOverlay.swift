import DiskImage

/// IMS's own answer laid over what a sidecar says of the same image (`check --cloud`): the
/// answer wins, and every field where the two differ is a warning naming both values, so a
/// stale sidecar is noticed rather than silently believed or silently ignored.
public enum IMSMetadataOverlay {
    /// koopack's own sidecar keys, which IMS never returns: a sidecar's `released` is kept, and
    /// `region` is where IMS was asked.
    static let koopackKeys: Set<String> = ["region", "released"]

    /// The metadata of one image object of `GET /v2/cloudimages` found in `region`, with
    /// koopack's `region` key added (IMS's objects do not say where they live). `source` names
    /// the answer in messages (`IMS ap-southeast-3`). Throws an `ImageError` naming `source` and
    /// the key when IMS gave a known key a value of the wrong type.
    public static func metadata(imsImage: JSONValue, region: String, source: String) throws -> IMSMetadata {
        guard case var .object(members) = imsImage else {
            throw ImageError(.invalid, file: source, "expected an image object")
        }
        members.removeAll { $0.0 == "region" }
        members.append(("region", .string(region)))
        return try IMSMetadata(fields: members, file: source)
    }

    /// An image known to IMS alone, judged by its metadata (no file): named `IMS image ID`.
    public static func input(imsImage metadata: IMSMetadata, region: String) -> ImageInput {
        ImageInput(displayName: "IMS image \(metadata.id ?? "?") (\(region))", origin: .ims(region: region),
                   metadata: metadata, metadataFile: metadata.file, packageBytes: 0)
    }

    /// `input` with IMS's metadata `ims` in place of its sidecar's. Keys IMS gives win; a sidecar
    /// key IMS lacks is dropped (IMS describes the image as it is now), except koopack's own
    /// `released`; each difference is one of `input`'s warnings, naming both values.
    public static func overlay(_ input: ImageInput, with ims: IMSMetadata) -> ImageInput {
        var result = input
        result.metadata = ims
        guard let sidecar = input.metadata else {
            result.metadataFile = ims.file
            return result
        }
        let sidecarName = input.metadataFile ?? sidecar.file
        result.metadataFile = "\(ims.file) (over \(sidecarName))"
        var fields = ims.fields
        for (key, value) in sidecar.fields where !fields.contains(where: { $0.0 == key }) || key == "region" {
            if key == "released", ims[key] == nil {
                fields.append((key, value))
                continue
            }
            guard let answer = ims[key] else {
                result.warnings.append("\(sidecarName) says \(key) = \(text(value)), IMS has no \(key): IMS's answer is used")
                continue
            }
            if text(answer).lowercased() != text(value).lowercased() {
                result.warnings.append("\(sidecarName) says \(key) = \(text(value)), IMS says \(text(answer)): IMS's value is used")
            }
        }
        for (key, answer) in ims.fields where !koopackKeys.contains(key) {
            guard let value = sidecar[key], text(value) != text(answer) else { continue }
            result.warnings.append("\(sidecarName) says \(key) = \(text(value)), IMS says \(text(answer)): IMS's value is used")
        }
        if let merged = try? IMSMetadata(fields: fields, file: ims.file) { result.metadata = merged }
        return result
    }

    /// A value as a seller reads it: a string's text (so `"true"` and `true` are the same
    /// answer), anything else as compact JSON.
    static func text(_ value: JSONValue) -> String {
        if case let .string(s) = value { return s.isEmpty ? "\"\"" : s }
        return value.serialized(indent: nil)
    }
}
