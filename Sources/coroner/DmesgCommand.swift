import ArgumentParser
import Dump

/// `coroner dmesg VMCORE`: the kernel log from a dump, without debuginfo.
struct DmesgCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dmesg",
    abstract: "Print the kernel log saved in a vmcore (ELF, kdump-compressed or flattened).",
    discussion: """
      The default output is the text vmcore-dmesg prints: `[    1.234567] message`, \
      with bytes that are neither printable nor space written as \\xNN. Works on QEMU \
      dumps and dumps without debuginfo: addresses are translated through the kernel's \
      own page tables.
      """)

  @Argument(help: "The vmcore file (several files: the parts of a makedumpfile --split dump).")
  var vmcore: [String]

  @Flag(help: "One JSON object per record, with every field.")
  var json = false

  @Flag(help: "Print the text bytes as they are, without escaping.")
  var raw = false

  @Flag(help: "Only the records after the last `dmesg -C` (clear_seq), as `makedumpfile --partial-dmesg`.")
  var afterClear = false

  /// Which tool's text form to reproduce.
  enum Style: String, ExpressibleByArgument, CaseIterable {
    case vmcoreDmesg = "vmcore-dmesg", makedumpfile, kernel
  }

  @Option(
    help: """
      Text form: vmcore-dmesg (default), makedumpfile (as `makedumpfile --dump-dmesg` \
      1.7.2 prints it) or kernel (the prefix on every line, as the console shows it).
      """)
  var style: Style = .vmcoreDmesg

  func run() throws {
    Self.printLog(vmcore, json: json, raw: raw, afterClear: afterClear, style: style)
  }

  /// `coroner dmesg` is run in loops over many dumps, where start-up is most of its time:
  /// ArgumentParser's first parse reflects over every command (Mirror and protocol
  /// conformance scans of the whole binary), which costs more than reading the log. A
  /// command line made only of this command's own flags and files is parsed here; any
  /// other (help, a typo, no file) goes to ArgumentParser, which explains it.
  static func runIfPlain(_ arguments: [String]) -> Bool {
    guard let plain = Plain(arguments) else { return false }
    printLog(plain.files, json: plain.json, raw: plain.raw, afterClear: plain.afterClear, style: plain.style)
    return true
  }

  /// A `dmesg` command line of files and this command's own flags only.
  struct Plain: Equatable {
    var files: [String] = []
    var json = false
    var raw = false
    var afterClear = false
    var style = Style.vmcoreDmesg

    init?(_ arguments: [String]) {
      guard arguments.first == "dmesg" else { return nil }
      var index = 1
      while index < arguments.count {
        let word = arguments[index]
        switch word {
        case "--json": json = true
        case "--raw": raw = true
        case "--after-clear": afterClear = true
        case "--style":
          index += 1
          guard index < arguments.count, let named = Style(rawValue: arguments[index]) else { return nil }
          style = named
        default:
          if word.hasPrefix("--style="), let named = Style(rawValue: String(word.dropFirst(8))) {
            style = named
          } else if word.hasPrefix("-") {
            return nil
          } else {
            files.append(word)
          }
        }
        index += 1
      }
      if files.isEmpty { return nil }
    }
  }

  static func printLog(_ vmcore: [String], json: Bool, raw: Bool, afterClear: Bool, style: Style) {
    let dump = DumpCommandSupport.open(vmcore)
    let log: PrintkLog
    do {
      log = try dump.kernelLog()
    } catch {
      DumpCommandSupport.fail(error, dump: vmcore)
    }
    var records = log.records
    if afterClear {
      do {
        let clear = try dump.clearSequence()
        records = records.filter { $0.sequence >= clear }
      } catch {
        DumpCommandSupport.fail(error, dump: vmcore)
      }
    }
    // Written a MiB at a time: memory stays the log's, not the log's and its text.
    var output: [UInt8] = []
    output.reserveCapacity(1 << 20)
    for record in records {
      if output.count >= 1 << 20 {
        DumpCommandSupport.write(output)
        output.removeAll(keepingCapacity: true)
      }
      if json {
        output += Array(Self.json(record).utf8)
        output.append(UInt8(ascii: "\n"))
      } else if raw {
        DmesgFormatter.raw(record, into: &output)
      } else {
        switch style {
        case .vmcoreDmesg: DmesgFormatter.vmcoreDmesg(record, into: &output)
        case .makedumpfile: DmesgFormatter.makedumpfile(record, into: &output)
        case .kernel: DmesgFormatter.kernel(record, into: &output)
        }
      }
    }
    DumpCommandSupport.write(output)
    for problem in dump.problems + log.problems {
      DumpCommandSupport.writeError("coroner: warning: \(vmcore.joined(separator: " ")): \(problem)\n")
    }
  }

  static func json(_ record: PrintkRecord) -> String { DmesgFormatter.json(record) }
}
