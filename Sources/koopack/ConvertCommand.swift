import ArgumentParser
import DiskImage
import ReleaseBundle

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `koopack convert`: the guest disk of any image koopack reads, as a raw file.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Write the guest disk of an image as a raw file.",
        discussion: """
            Reads IMAGE in any format koopack reads (qcow2 with its backing chain, VMDK, VHD, \
            VHDX, VDI, QED, bochs, cloop, and Huawei's ZVHD and ZVHD2, which qemu-img cannot \
            read) and writes the disk its guest sees, byte for byte, to OUT. Where the guest \
            reads zeros OUT is left sparse. OUT is written under a hidden temporary name in its \
            folder and renamed into place when complete, so it is never half-written; SIGINT \
            and SIGTERM remove the temporary file (after a kill -9 it is left, named \
            .OUT.koopack-PID-NUMBER). With OUT `-` the disk goes to standard output, every byte \
            in order.

            A ZVHD or ZVHD2 export's disk is its original size rounded up to a whole GiB, as \
            Huawei's driver exposes it; `koopack inspect` gives the original size.

            raw is the only output format: to go on to another format, convert the raw file with \
            qemu-img (`qemu-img convert -f raw -O qcow2 OUT OUT.qcow2`).

            A progress bar is drawn on standard error when it is a terminal.

            Exit status: 0 when OUT is complete, 2 on a usage error, an image that cannot be \
            read, or a write that failed.
            """)

    enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
        case raw
    }

    @Option(name: .long, help: "Output format: raw (the only one).")
    var format: OutputFormat = .raw

    @OptionGroup var transfer: TransferOptions

    @Argument(help: ArgumentHelp("The image to read: a file, or its https:// URL.", valueName: "image"))
    var image: String

    @Argument(help: ArgumentHelp("The raw file to write, or - for standard output.", valueName: "out"))
    var out: String

    func validate() throws {
        guard out == "-" || FilePaths.lastComponent(out) != "" else {
            throw ValidationError("OUT must name a file, or be - for standard output")
        }
        if out == "-", isatty(STDOUT_FILENO) == 1 {
            throw ValidationError("refusing to write a disk to a terminal: redirect standard output, or name a file")
        }
    }

    func run() throws {
        let disk: any ByteSource
        let access: ImageAccess
        do {
            access = try ImageAccess(image)
            disk = try access.inspector.openGuest(path: access.name).disk
        } catch let error as ImageError {
            Terminal.diagnose(error.attributed(to: shownName(image)).description)
            throw ExitCode(2)
        }
        signal(SIGINT) { interruption.raise(signal: $0) }
        signal(SIGTERM) { interruption.raise(signal: $0) }
        // A parent may have started koopack with the signals blocked (the mask is inherited):
        // unblock them here, or the temporary file could not be removed on SIGTERM.
        var stops = sigset_t()
        sigemptyset(&stops)
        sigaddset(&stops, SIGINT)
        sigaddset(&stops, SIGTERM)
        pthread_sigmask(SIG_UNBLOCK, &stops, nil)
        let counter = ByteCounter()
        let bar = ProgressBar.start("convert", total: disk.size, counter: counter)
        let control = RawExport.Control(progress: { counter.add($0) }, shouldStop: { interruption.isRaised })
        let workers = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
        do {
            if out == "-" {
                try RawExport.stream(disk, to: STDOUT_FILENO, name: "standard output", workers: workers, control: control)
            } else {
                try RawExport.write(disk, to: out, workers: workers, control: control)
            }
        } catch let error as ImageError {
            bar?.finish()
            if interruption.isRaised { Terminal.exit(128 + max(0, interruption.signal)) }
            Terminal.diagnose(error.attributed(to: shownName(image)).description)
            throw ExitCode(2)
        }
        bar?.finish()
        reportTransfers(access.remote.map { [$0] } ?? [], verbose: transfer.verbose)
    }
}
