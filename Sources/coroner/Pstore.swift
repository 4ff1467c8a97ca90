import ArgumentParser
import Capture

/// `coroner pstore`: move pstore records into crash record folders.
struct Pstore: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Move pstore records into one crash record folder per boot.",
    discussion: """
      Joins the parts of each kmsg dump in log order, inflates compressed records, keeps \
      console, ftrace and pmsg records, and writes a manifest.txt per folder. Then removes \
      the records from pstore so the backend has room for the next crash (unless --keep); \
      a record is removed only after the files made from it were read back and flushed. \
      `coroner examine` reads the folders.
      """)

  @Option(help: "The pstore file system.")
  var from: String = "/sys/fs/pstore"

  @Option(help: "Where to write the crash record folders.")
  var to: String

  @Flag(help: "Leave the records in pstore.")
  var keep = false

  func run() throws {
    let harvest: PstoreHarvest
    do {
      harvest = try PstoreHarvest(from: from)
    } catch {
      CaptureTerminal.error("error: \(error)")
      throw ExitCode(66)
    }
    guard !harvest.records.isEmpty else {
      print("\(from) holds no records")
      return
    }
    let folders: [String]
    var kept: [String] = []
    do {
      folders = try harvest.write(to: to)
      // A record leaves pstore only once what was made from it is read back and on disk.
      if !keep {
        try harvest.flush(folders: folders)
        kept = try harvest.removeSavedRecords(from: from)
      }
    } catch {
      CaptureTerminal.error("error: \(error)")
      throw ExitCode(74)
    }
    for (folder, boot) in zip(folders, harvest.boots) {
      print("\(folder)")
      for output in boot.outputs {
        print(
          "  \(output.name) <- \(output.sources.joined(separator: " "))\(output.note.map { "  (\($0))" } ?? "")"
        )
      }
    }
    if !harvest.unrecognized.isEmpty {
      print("left in \(from): \(harvest.unrecognized.joined(separator: " ")) (not pstore records)")
    }
    let cut = Set(harvest.cutRecords)
    let unsaved = kept.filter { !cut.contains($0) }
    if !unsaved.isEmpty {
      print("left in \(from): \(unsaved.joined(separator: " ")) (no file was made from them)")
    }
    if !harvest.cutRecords.isEmpty {
      let limit = PstoreHarvest.recordLimit >> 20
      CaptureTerminal.error(
        "warning: \(harvest.cutRecords.joined(separator: " ")): more than \(limit) MiB, saved cut and left in \(from)"
      )
    }
    print(
      keep
        ? "kept \(harvest.records.count) records in \(from)"
        : "removed \(harvest.records.count - kept.count) records from \(from)")
  }
}
