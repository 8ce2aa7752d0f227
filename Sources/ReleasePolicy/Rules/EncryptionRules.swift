import DiskImage
import Findings
import ImagePackage

/// KG104: KooGallery cannot release encrypted images (IMS IMG.0098).
extension Rules {
    /// KG104: the image is encrypted, by KMS in IMS or in the image file's own header.
    public static let encryptedImage: Rule = Rule(.encryptedImage) { rule, input in
        var evidence: [(String, String)] = []
        if let metadata = input.imageCase.metadata {
            if let cmk = metadata.cmkID { evidence.append(("__system__cmkid", cmk)) }
            for key in ["__system__encrypted", "__system_encrypted"] {
                if metadata.flag(key) == true {
                    evidence.append((key, Describe.raw(metadata, key)))
                }
            }
        }
        if let info = input.imageCase.info, info.encrypted || info.encryption != nil {
            evidence.append(("encrypted", "true"))
            if let scheme = info.encryption { evidence.append(("encrypt.format", scheme.rawValue)) }
        }
        return rule.finding("\(input.imageCase.fileName) is encrypted.", evidence)
    }
}
