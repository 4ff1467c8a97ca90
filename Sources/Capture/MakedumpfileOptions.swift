/// makedumpfile's command line (makedumpfile(8), version 1.7), read so that Coroner can
/// stand in for it under kdump-tools and kdump-utils: kdump-tools 1.8 (Debian 12) runs
/// `makedumpfile $MAKEDUMP_ARGS VMCORE | compress > FILE` with `-F` always added to
/// MAKEDUMP_ARGS (default `-F -c -d 31`, /usr/sbin/kdump-config), kdump-utils
/// `makedumpfile -l --message-level 7 -d 31 VMCORE DUMPFILE` (its core_collector), and
/// both `makedumpfile --dump-dmesg VMCORE LOGFILE`.
///
/// Options are read as getopt_long(3) reads makedumpfile's: short flags may be grouped
/// (`-cd31`), an option's argument may be attached (`-d31`, `--message-level=7`) or the
/// next word, options and operands may be mixed, and `--` ends the options. An option
/// makedumpfile has but Coroner does not implement is refused by name, never ignored.
public struct MakedumpfileOptions: Equatable, Sendable {
  public enum Action: Equatable, Sendable {
    /// Filter and compress VMCORE into DUMPFILE (kdump-compressed format).
    case capture(vmcore: String, dumpFile: String)
    /// The same dump as a flattened stream on standard output (`-F`), which kdump-tools
    /// always asks for and pipes through its compressor into the dump file.
    case captureToStandardOutput(vmcore: String)
    /// Write VMCORE's kernel log to LOGFILE (`--dump-dmesg`).
    case dumpDmesg(vmcore: String, logFile: String, partial: Bool)
    /// Rebuild DUMPFILE from a flattened stream on standard input (`-R`).
    case rearrange(dumpFile: String)
    case help
    case version
  }

  public var action: Action
  /// `-d`: page classes left out, 0...31.
  public var dumpLevel = 0
  /// `-c` zlib, `-l` lzo, `-p` snappy, `-z` zstd; none given: pages stored uncompressed.
  public var compression: MakedumpfileCompression = .none
  /// `--message-level`: bit 1 progress, 2 common messages, 4 errors, 8 debug, 16 report.
  public var messageLevel = 7
  /// `-f`: overwrite an existing DUMPFILE.
  public var force = false
  /// `--num-threads`.
  public var threads: Int?
  /// `--cyclic-buffer`: KiB per bitmap and cycle (`PageCycles`); makedumpfile sizes its
  /// own from free memory, Coroner's default is 2 MiB.
  public var cyclicBufferKiB: Int?
  /// `--non-mmap`: /proc/vmcore read with read(2), not through mapped windows.
  public var mapsVmcore = true

  /// makedumpfile's exit status for a command line it refuses (FAILED in makedumpfile.h;
  /// makedumpfile(8) DIAGNOSTICS: "1 : makedumpfile failed").
  public static let usageExitCode: Int32 = 1

  public var showsProgress: Bool { messageLevel & 1 != 0 }
  public var showsCommon: Bool { messageLevel & 2 != 0 }
  public var showsErrors: Bool { messageLevel & 4 != 0 }
}

public enum MakedumpfileCompression: String, Equatable, Sendable {
  case none, zlib, lzo, snappy, zstd
}

/// A makedumpfile command line Coroner refuses, with what to change.
public struct MakedumpfileUsageError: Error, Equatable, Sendable, CustomStringConvertible {
  public var message: String
  public var description: String { message }
}

extension MakedumpfileOptions {
  /// makedumpfile's options that Coroner does not implement, with what each does
  /// (makedumpfile(8) OPTIONS), so the refusal says what was asked for.
  static let unsupported: [String: String] = [
    "-E": "ELF output",
    "-x": "filtering with a vmlinux (Coroner filters with the dump's VMCOREINFO)",
    "-i": "an external VMCOREINFO file", "-g": "writing VMCOREINFO from a vmlinux",
    "-b": "the cache of 2^order pages", "-L": "a limit on the dump size", "-X": "Xen domain filtering",
    "-D": "debugging messages", "-e": "excluding unused vmemmap pages",
    "--split": "splitting the dump into several files", "--reassemble": "joining split dumps",
    "--config": "a filter configuration file", "--eppic": "eppic macros",
    "--splitblock-size": "the split block size",
    "--work-dir": "a work directory for bitmaps",
    "--non-cyclic": "non-cyclic mode", "--xen-syms": "Xen dumps", "--xen-vmcoreinfo": "Xen dumps",
    "--xen_phys_start": "Xen dumps", "--vtop": "address translation", "--mem-usage": "memory usage",
    "--diskset": "sadump disksets", "--check-params": "checking parameters only",
    "--dry-run": "a dry run", "--show-stats": "statistics",
  ]
  /// Of the unsupported options, those that take an argument (so that it is not read as
  /// an operand before the refusal).
  static let unsupportedWithArgument: Set<String> = [
    "-x", "-i", "-g", "-b", "-L", "--config", "--eppic", "--splitblock-size",
    "--work-dir", "--xen-syms", "--xen-vmcoreinfo", "--xen_phys_start", "--vtop", "--diskset",
  ]

  /// Reads `arguments` (without the program name).
  public static func parse(_ arguments: [String]) throws(MakedumpfileUsageError) -> MakedumpfileOptions {
    var options = MakedumpfileOptions(action: .help)
    var operands: [String] = []
    var refused: [String] = []
    var dumpDmesg = false
    var partial = false
    var rearrange = false
    var flattened = false
    var help = false
    var version = false
    var compressions: [String] = []
    var index = 0

    func value(_ name: String, attached: String?) throws(MakedumpfileUsageError) -> String {
      if let attached { return attached }
      index += 1
      guard index < arguments.count else {
        throw MakedumpfileUsageError(message: "option \(name) requires an argument")
      }
      return arguments[index]
    }
    func number(
      _ name: String, _ text: String, in range: ClosedRange<Int>
    ) throws(MakedumpfileUsageError) -> Int {
      guard let number = Int(text), range.contains(number) else {
        throw MakedumpfileUsageError(
          message: "\(name) \(text): expected a number from \(range.lowerBound) to \(range.upperBound)")
      }
      return number
    }

    while index < arguments.count {
      let word = arguments[index]
      if word == "--" {
        operands += arguments[(index + 1)...]
        break
      }
      if word.hasPrefix("--") {
        let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
        let name = parts[0]
        let attached = parts.count == 2 ? parts[1] : nil
        switch name {
        case "--message-level":
          options.messageLevel = try number(name, try value(name, attached: attached), in: 0...31)
        case "--num-threads":
          options.threads = try number(name, try value(name, attached: attached), in: 1...1024)
        case "--cyclic-buffer":
          options.cyclicBufferKiB = try number(
            name, try value(name, attached: attached),
            in: CaptureTool.minimumCyclicKiB...CaptureTool.maximumCyclicKiB)
        case "--non-mmap": options.mapsVmcore = false
        case "--dump-dmesg": dumpDmesg = true
        case "--partial-dmesg": partial = true
        case "--help": help = true
        default:
          guard unsupported[name] != nil else {
            throw MakedumpfileUsageError(message: "unrecognized option '\(name)'")
          }
          refused.append(name)
          if unsupportedWithArgument.contains(name) && attached == nil { index += 1 }
        }
        index += 1
        continue
      }
      guard word.hasPrefix("-"), word.count > 1 else {
        operands.append(word)
        index += 1
        continue
      }
      // A group of short options; one that takes an argument ends the group.
      var letters = Substring(word.dropFirst())
      while let letter = letters.first {
        letters = letters.dropFirst()
        let name = "-\(letter)"
        let attached = letters.isEmpty ? nil : String(letters)
        switch letter {
        case "c", "l", "p", "z": compressions.append(name)
        case "f": options.force = true
        case "R": rearrange = true
        case "F": flattened = true
        case "h": help = true
        case "v": version = true
        case "d":
          let text = try value(name, attached: attached)
          guard !text.contains(",") else {
            throw MakedumpfileUsageError(
              message: "-d \(text): several dump levels (retried when the disk fills) are not supported; "
                + "give one level (Coroner finishes a full disk's dump as a valid incomplete dump)")
          }
          options.dumpLevel = try number(name, text, in: 0...31)
          letters = ""
        default:
          guard unsupported[name] != nil else {
            throw MakedumpfileUsageError(message: "invalid option -- '\(letter)'")
          }
          refused.append(name)
          if unsupportedWithArgument.contains(name) {
            if attached == nil { index += 1 }
            letters = ""
          }
        }
      }
      index += 1
    }

    if !refused.isEmpty {
      let named = refused.map { "\($0) (\(unsupported[$0] ?? ""))" }.joined(separator: ", ")
      throw MakedumpfileUsageError(
        message: "Coroner's makedumpfile does not support \(named); "
          + "run the original makedumpfile (makedumpfile.distrib when coroner-makedumpfile diverted it)")
    }
    guard compressions.count <= 1 else {
      throw MakedumpfileUsageError(
        message: "\(compressions.joined(separator: " ")): give one compression option")
    }
    switch compressions.first {
    case "-c": options.compression = .zlib
    case "-l": options.compression = .lzo
    case "-p": options.compression = .snappy
    case "-z": options.compression = .zstd
    default: options.compression = .none
    }
    if help { return options }
    if version {
      options.action = .version
      return options
    }
    if flattened {
      guard !rearrange, !dumpDmesg, !partial else {
        throw MakedumpfileUsageError(message: "-F goes with a capture, not with -R or --dump-dmesg")
      }
      guard operands.count == 1 else {
        throw MakedumpfileUsageError(
          message:
            "-F writes to standard output: expected VMCORE alone, found \(operands.joined(separator: " "))")
      }
      options.action = .captureToStandardOutput(vmcore: operands[0])
      return options
    }
    if rearrange {
      guard operands.count == 1, !dumpDmesg else {
        throw MakedumpfileUsageError(
          message: "-R takes one DUMPFILE and reads the flattened stream on standard input")
      }
      options.action = .rearrange(dumpFile: operands[0])
      return options
    }
    guard operands.count == 2 else {
      let what = dumpDmesg ? "VMCORE LOGFILE" : "VMCORE DUMPFILE"
      throw MakedumpfileUsageError(
        message: "expected \(what), found \(operands.isEmpty ? "none" : operands.joined(separator: " "))")
    }
    if dumpDmesg {
      options.action = .dumpDmesg(vmcore: operands[0], logFile: operands[1], partial: partial)
    } else {
      guard !partial else { throw MakedumpfileUsageError(message: "--partial-dmesg goes with --dump-dmesg") }
      options.action = .capture(vmcore: operands[0], dumpFile: operands[1])
    }
    return options
  }
}
