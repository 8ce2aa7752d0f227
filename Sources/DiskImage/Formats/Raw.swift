/// A raw disk: the file is the guest's disk, byte for byte. Claims whatever no other format does.
public enum RawFormat: ImageFormat {
    public static let name = "raw"

    public static func probe(_ input: ProbeInput) -> Int { 1 }

    public static func inspect(_ source: any ByteSource, context: InspectContext) throws -> ImageInfo {
        var info = ImageInfo(filename: context.filename, format: name, virtualSize: source.size)
        info.dirty = false
        return info
    }

    public static func openGuest(_ source: any ByteSource, info: ImageInfo, context: InspectContext,
                                 backing: (any ByteSource)?) throws -> any ByteSource {
        source
    }
}
