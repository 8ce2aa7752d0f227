/// Every format koopack recognises: the probe with the highest score wins, and raw takes
/// whatever no other format claims. The formats recognised by a magic number in the first
/// 4 KiB come first, the commonest first, because probing stops at the first certain match
/// (score 100); the probes that read elsewhere in the file (ISO 9660 at 32 KiB, a fixed VHD's
/// footer at the end, DMG's `koly` trailer) come last, so an image with a magic number never pays for their reads.
public enum ImageFormats {
    public static let all: [any ImageFormat.Type] = [
        QCOW2Format.self,
        VMDKFormat.self,
        VHDXFormat.self,
        VDIFormat.self,
        QEDFormat.self,
        QCOW1Format.self,
        ParallelsFormat.self,
        LUKSFormat.self,
        ZVHDFormat.self,
        ZVHD2Format.self,
        BochsFormat.self,
        CloopFormat.self,
        RawFormat.self,
        VHDFormat.self,
        ISO9660Format.self,
        DMGFormat.self,
    ]

    /// The format `name` (QEMU's spelling), if koopack knows it.
    public static func named(_ name: String) -> (any ImageFormat.Type)? {
        all.first { $0.name == name }
    }
}
