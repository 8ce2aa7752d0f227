/// Every format koopack recognises, in no particular order: the probe with the highest score
/// wins, and raw takes whatever no other format claims.
public enum ImageFormats {
    public static let all: [any ImageFormat.Type] = [
        RawFormat.self,
        VMDKFormat.self,
        ISO9660Format.self,
        ZVHDFormat.self,
        ZVHD2Format.self,
        QCOW1Format.self,
        QEDFormat.self,
        ParallelsFormat.self,
        VDIFormat.self,
        VHDFormat.self,
        VHDXFormat.self,
        QCOW2Format.self,
        LUKSFormat.self,
        BochsFormat.self,
        CloopFormat.self,
        DMGFormat.self,
    ]

    /// The format `name` (QEMU's spelling), if koopack knows it.
    public static func named(_ name: String) -> (any ImageFormat.Type)? {
        all.first { $0.name == name }
    }
}
