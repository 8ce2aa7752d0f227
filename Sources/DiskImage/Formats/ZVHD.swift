/// Huawei Cloud's ZVHD and ZVHD2 images, which IMS imports but whose layout has no public
/// specification. koopack recognises them by extension only, says plainly that it did not read
/// the header, and cannot open the guest's disk.
public enum ZVHDFormat: ImageFormat {
    public static let name = "zvhd"

    /// Extension match only: above raw (1), below every format with a magic number.
    static let extensionScore = 10

    /// `zvhd` or `zvhd2` for a file name ending in that extension (any case), else nil.
    static func variant(of filename: String) -> String? {
        let lower = filename.lowercased()
        if lower.hasSuffix(".zvhd2") { return "zvhd2" }
        if lower.hasSuffix(".zvhd") { return "zvhd" }
        return nil
    }

    public static func probe(_ input: ProbeInput) -> Int {
        variant(of: input.filename) == nil ? 0 : extensionScore
    }

    public static func inspect(_ source: any ByteSource, context: InspectContext) throws -> ImageInfo {
        unreadHeader(source, context: context, format: variant(of: context.filename) ?? name)
    }

    /// The facts koopack can give without reading the header: the file's size, and a warning
    /// saying why the virtual size is 0.
    static func unreadHeader(_ source: any ByteSource, context: InspectContext, format: String) -> ImageInfo {
        var info = ImageInfo(filename: context.filename, format: format, virtualSize: 0)
        info.headerRead = false
        let shown = format.uppercased()
        info.warnings.append("the \(shown) header was not read: \(shown) is Huawei's own format and has no public specification, so the virtual size (shown as 0) is unknown")
        info.formatSpecific = .object([
            ("type", .string(format)),
            ("data", .object([("file-size", .uint(source.size))])),
        ])
        return info
    }

    public static func openGuest(_ source: any ByteSource, info: ImageInfo, context: InspectContext,
                                 backing: (any ByteSource)?) throws -> any ByteSource {
        throw ImageError(.unsupported, "\(info.format.uppercased()) has no public specification: koopack cannot read the guest's disk of this image")
    }
}

/// The `zvhd2` name for `ImageFormats.named`, so a format chosen by name finds ZVHD2 too; it
/// never wins a probe itself (ZVHDFormat claims both extensions).
public enum ZVHD2Format: ImageFormat {
    public static let name = "zvhd2"

    public static func probe(_ input: ProbeInput) -> Int { 0 }

    public static func inspect(_ source: any ByteSource, context: InspectContext) throws -> ImageInfo {
        ZVHDFormat.unreadHeader(source, context: context, format: ZVHDFormat.variant(of: context.filename) ?? name)
    }

    public static func openGuest(_ source: any ByteSource, info: ImageInfo, context: InspectContext,
                                 backing: (any ByteSource)?) throws -> any ByteSource {
        try ZVHDFormat.openGuest(source, info: info, context: context, backing: backing)
    }
}
