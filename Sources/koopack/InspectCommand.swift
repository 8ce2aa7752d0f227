import ArgumentParser
import DiskImage
import ImagePackage

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
            ZERO or read-only extents, LUKS2) are reported with warnings instead.

            --format json prints an array of every image, and koopack adds `subformat`, \
            `warnings`, and `guest`: what the guest disk holds, read through the image's block \
            map (partition table `mbr`, `gpt` or `none`; boot mode `bios`, `uefi`, `bios+uefi` \
            or `none`; each partition's start and size in bytes, type, name, bootable flag and \
            filesystem). `--no-guest` skips it.

            --output=json (or --output json) is a drop-in for `qemu-img info --output=json` in \
            scripts: one JSON object for one image, with only qemu-img's keys; with \
            --backing-chain, the array of the image and every image below it, top first. \
            --output=human is the text.

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

    /// qemu-img info's output formats.
    enum QemuOutput: String, ExpressibleByArgument, CaseIterable {
        case human, json
    }

    @Option(name: .long, help: "Output format: text (the default), or json (an array of every image, with koopack's keys).")
    var format: OutputFormat?

    @Option(name: .long, help: ArgumentHelp("qemu-img info's output: json (one object of qemu-img's keys for one image) or human (the text).", valueName: "output"))
    var output: QemuOutput?

    @Flag(name: .long, help: "Also each image of the backing chain, top first, as qemu-img info --backing-chain (an array with --output=json).")
    var backingChain = false

    @Flag(name: .long, help: "Skip the guest view: do not read the partition table, filesystems and boot mode.")
    var noGuest = false

    @OptionGroup var transfer: TransferOptions

    @Argument(help: ArgumentHelp("Image files to inspect, or their https:// URLs.", valueName: "image"))
    var images: [String]

    func request() throws -> InspectRequest {
        var request = try InspectRequest(images: images, format: format, output: output, noGuest: noGuest, backingChain: backingChain)
        request.verbose = transfer.verbose
        return request
    }

    func validate() throws {
        _ = try request()
    }

    func run() async throws {
        let status = Self.run(try request())
        if status != 0 { throw ExitCode(status) }
    }

    /// One image's header facts, or why they could not be had. Not a `Result`: the first
    /// `Result<_, ImageError>` costs the Swift runtime a scan of every conformance record in the
    /// binary (half a million instructions) to check `ImageError: Error`.
    enum Outcome: Sendable {
        case info(ImageInfo)
        case failed(ImageError)
    }

    /// Inspects the images and prints them; returns the exit status (0, or 2 when any could not
    /// be read). Shared by the parsed command and the start-up fast path; synchronous, so one
    /// image is read on the main thread with no task or thread started.
    static func run(_ request: InspectRequest) -> Int32 {
        let inspector = ImageInspector()
        let remotes = Remotes()
        let outcomes: [Outcome] = ParallelWork.map(request.images) { path in
            do {
                // A URL is read by range requests; a path as a host file.
                guard RemoteImage.isURL(path) else { return .info(try inspector.inspect(path: path, guest: request.guest)) }
                let access = try ImageAccess(path)
                if let remote = access.remote { remotes.append(remote) }
                return .info(try access.inspector.inspect(path: access.name, guest: request.guest))
            }
            catch let error as ImageError { return .failed(error.attributed(to: shownName(path))) }
            catch { return .failed(ImageError(.io, file: shownName(path), "\(error)")) }
        }
        var infos: [ImageInfo] = []
        infos.reserveCapacity(outcomes.count)
        var failed = false
        for outcome in outcomes {
            switch outcome {
            case let .info(info): infos.append(info)
            case let .failed(error):
                failed = true
                Terminal.diagnose(error.description)
            }
        }
        switch request.style {
        case .json: JSONOutput.write(.array(infos.map(\.json)), indent: 4)
        case .qemuJSON: if let info = infos.first { JSONOutput.write(InspectJSON.qemu(info, backingChain: request.backingChain), indent: 4) }
        case .text: Terminal.write(infos.map { InspectText.render($0, backingChain: request.backingChain) }.concatenated())
        }
        reportTransfers(remotes.inArgumentOrder(request.images), verbose: request.verbose)
        return failed ? 2 : 0
    }

    /// The request of a plain `koopack inspect [--format F | --output O] [--backing-chain]
    /// [--no-guest] IMAGE...`, read without ArgumentParser: its set-up (reflection over the
    /// commands, and protocol conformance look-ups that each scan the binary's 6,800
    /// conformance records) costs 8.8 million instructions, some 3 ms, at every start, more than
    /// inspecting one image, and `inspect` is what scripts call in loops. Anything else (help,
    /// an unknown option, no image, a combination `InspectRequest` refuses) returns nil and goes
    /// through the full parser, so messages and behaviour stay the same; QuickArgumentsTests
    /// hold the two parsers to the same answers.
    static func quickArguments(_ arguments: [String]) -> InspectRequest? {
        var images: [String] = []
        var format: OutputFormat?, output: QemuOutput?
        var noGuest = false, backingChain = false
        var index = 0
        var onlyImages = false
        /// The value of `--name VALUE` or `--name=VALUE` at `argument`, consuming it.
        func value(_ name: String, _ argument: String) -> String? {
            // ArgumentParser reads an empty `--name=` as `--name` followed by its value.
            if argument == name || argument == name + "=", index < arguments.count {
                index += 1
                return arguments[index - 1]
            }
            return argument.hasPrefix(name + "=") ? String(argument.dropFirst(name.count + 1)) : nil
        }
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            if onlyImages || !argument.hasPrefix("-") || argument == "-" {
                images.append(argument)
            } else if argument == "--" {
                onlyImages = true
            } else if argument == "--no-guest" {
                noGuest = true
            } else if argument == "--backing-chain" {
                backingChain = true
            } else if let text = value("--format", argument), let chosen = OutputFormat(rawValue: text) {
                format = chosen  // a repeated option: the last one counts, as in ArgumentParser
            } else if let text = value("--output", argument), let chosen = QemuOutput(rawValue: text) {
                output = chosen
            } else {
                return nil
            }
        }
        guard !images.isEmpty else { return nil }
        return try? InspectRequest(images: images, format: format, output: output, noGuest: noGuest, backingChain: backingChain)
    }
}
