import ArgumentParser
import DiskImage

/// `koopack inspect`: header facts of each image, as `qemu-img info` gives them.
struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show what each image is: format, sizes, backing chain, encryption.",
        discussion: """
            Reads each image's header straight from the file, with no help from qemu. JSON output \
            uses the keys of `qemu-img info --output=json`, with two deliberate differences: a \
            fixed VHD is reported as format `vpc` (subformat `fixed`) with the footer's disk size, \
            where qemu-img says `raw`; and an ISO 9660 image is reported as format `iso`, where \
            qemu-img says `raw`. Files qemu-img refuses to open (a bad VHD or VHDX checksum, VMDK \
            ZERO or read-only extents, LUKS2) are reported with warnings instead. koopack adds \
            `subformat`, `warnings`, and `guest`: what the guest \
            disk holds, read through the image's block map (partition table `mbr`, `gpt` or \
            `none`; boot mode `bios`, `uefi`, `bios+uefi` or `none`; each partition's start and \
            size in bytes, type, name, bootable flag and filesystem). `--no-guest` skips it.

            ZVHD and ZVHD2, the formats Huawei Cloud IMS exports private images in, are read \
            in full, header and guest; qemu-img cannot read them. There is no written \
            specification: koopack follows the one public implementation, the QEMU 2.3.0 block \
            driver of the GitHub repository opnmind/ims-qemu-img (src/zvhd.c, src/zvhd2.c). \
            Their virtual size is the original disk rounded up to a whole GiB, as that driver \
            exposes it; `format-specific` gives the `original-size`, the stored blocks, the \
            compression (zlib or zstd), the index and bitmap, the creator and the creation time. \
            A file named .zvhd or .zvhd2 without the format's signature is read as what it is, \
            with a warning.

            An image that cannot be read gives one line on standard error naming the file, the \
            offset and what is wrong; the other images are still reported and the exit status is 2.
            """
    )

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case text, json
    }

    @Option(name: .long, help: "Output format: text or json.")
    var format: OutputFormat = .text

    @Flag(name: .long, help: "Skip the guest view: do not read the partition table, filesystems and boot mode.")
    var noGuest = false

    @Argument(help: ArgumentHelp("Image files to inspect.", valueName: "image"))
    var images: [String]

    func run() async throws {
        let status = await Self.run(images: images, format: format, guest: !noGuest)
        if status != 0 { throw ExitCode(status) }
    }

    /// Inspects `images` and prints them; returns the exit status (0, or 2 when any could not be
    /// read). Shared by the parsed command and the start-up fast path.
    static func run(images: [String], format: OutputFormat, guest: Bool) async -> Int32 {
        let inspector = ImageInspector()
        let results: [Result<ImageInfo, ImageError>] = await parallelMap(images) { path in
            do { return .success(try inspector.inspect(path: path, guest: guest)) }
            catch let error as ImageError { return .failure(error.attributed(to: path)) }
            catch { return .failure(ImageError(file: path, "\(error)")) }
        }
        let (infos, failed) = diagnosingFailures(results)
        switch format {
        case .json: Terminal.write(JSONValue.array(infos.map(\.json)).serialized(indent: 4) + "\n")
        case .text: Terminal.write(infos.map(InspectText.render).joined())
        }
        return failed ? 2 : 0
    }

    /// The arguments of a plain `koopack inspect [--format F] [--no-guest] IMAGE...`, read
    /// without ArgumentParser: its reflection over the command costs about a millisecond at
    /// every start, a quarter of inspecting one image, and `inspect` is what scripts call in
    /// loops. Anything else (help, an unknown option, no image) returns nil and goes through
    /// the full parser, so messages and behaviour stay exactly the same.
    static func quickArguments(_ arguments: [String]) -> (images: [String], format: OutputFormat, guest: Bool)? {
        var images: [String] = []
        var format = OutputFormat.text
        var guest = true
        var index = 0
        var onlyImages = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if onlyImages || !argument.hasPrefix("-") || argument == "-" {
                images.append(argument)
            } else if argument == "--" {
                onlyImages = true
            } else if argument == "--no-guest" {
                guest = false
            } else if argument == "--format", index < arguments.count, let chosen = OutputFormat(rawValue: arguments[index]) {
                format = chosen
                index += 1
            } else if argument.hasPrefix("--format="), let chosen = OutputFormat(rawValue: String(argument.dropFirst(9))) {
                format = chosen
            } else {
                return nil
            }
        }
        return images.isEmpty ? nil : (images, format, guest)
    }
}
