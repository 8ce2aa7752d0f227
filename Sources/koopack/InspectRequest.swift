import ArgumentParser

/// What `koopack inspect` is asked to do: which images, printed how. Made the same way from the
/// parsed options and from the start-up fast path (`InspectCommand.quickArguments`), so both
/// accept exactly the same combinations.
struct InspectRequest: Sendable, Equatable {
    /// How the images are printed.
    enum Style: Sendable, Equatable {
        /// koopack's text, a block per image.
        case text
        /// koopack's JSON: an array of every image, with qemu-img's keys and koopack's own.
        case json
        /// qemu-img info's JSON: one object, only qemu-img's keys (with the chain, an array).
        case qemuJSON
    }

    var images: [String]
    var style: Style
    /// Whether the guest's disk is read.
    var guest: Bool
    /// Whether every image of the backing chain is printed, top first.
    var backingChain: Bool
    /// Whether what each image given by URL cost over HTTP is printed (`--verbose`).
    var verbose = false

    /// The request the options make, or the usage error they are: `--format` and `--output`
    /// are two spellings of one choice; `--output=json` prints one object, so it takes one
    /// image (as qemu-img info does); `--backing-chain` does not go with koopack's JSON array.
    init(images: [String], format: InspectCommand.OutputFormat?, output: InspectCommand.QemuOutput?,
         noGuest: Bool, backingChain: Bool) throws {
        if format != nil && output != nil {
            throw ValidationError("give --format (koopack's output) or --output (qemu-img's), not both")
        }
        if output == .json && images.count > 1 {
            throw ValidationError("--output=json prints one image, as qemu-img info does; --format json prints an array of several")
        }
        if backingChain && format == .json {
            throw ValidationError("--backing-chain goes with --output (qemu-img's spelling) or text, not --format json")
        }
        self.images = images
        switch (format, output) {
        case (.json?, _): style = .json
        case (_, .json?): style = .qemuJSON
        default: style = .text
        }
        guest = !noGuest && style != .qemuJSON
        self.backingChain = backingChain
    }
}
