import ArgumentParser
import Capture
import Collector
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `coroner capture`: inside the capture kernel, save the log, the crash scene and
/// a filtered, compressed kdump-compressed dump of /proc/vmcore. The arguments and the
/// run are `CaptureTool`'s, shared with the small `coroner-capture` binary; `--upload`
/// (this binary only: the small one carries no HTTP client) then sends the folder to a
/// collector as `coroner send` does, through the spool.
struct CaptureCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "capture", abstract: CaptureTool.abstract, discussion: CaptureTool.usage + uploadUsage,
    helpNames: [])

  static let uploadUsage = """
    UPLOAD (coroner capture only):
      --upload URL       Then send the folder to a `coroner serve` collector, as
                         `coroner send DIR --to URL` does: through the spool, retried with
                         back-off; what cannot be sent now stays spooled for `coroner send`.
      --token TOKEN      This host's API token (or the environment variable CORONER_TOKEN).
      --spool DIR        The spool folder (default: /var/spool/coroner).

    """

  @Argument(parsing: .allUnrecognized, help: "The options of the usage above.")
  var arguments: [String] = []

  func run() async throws {
    let upload: UploadRequest
    let captureArguments: [String]
    do {
      (upload, captureArguments) = try UploadRequest.take(from: arguments)
    } catch {
      DumpCommandSupport.writeError("coroner: error: \(error)\n")
      throw ExitCode(64)
    }
    let status = CaptureTool.run(
      captureArguments, program: "coroner", terminal: isatty(2) != 0,
      write: { DumpCommandSupport.writeError($0) }, help: { print($0 + Self.uploadUsage, terminator: "") })
    // An incomplete dump (74) still has its log and crash.json: worth sending.
    if let url = upload.url, status == 0 || status == 74,
      let directory = (try? CaptureTool.parse(captureArguments, onlineCPUs: 1))?.directory
    {
      let sent = await upload.send(directory, to: url)
      if status == 0 && !sent { throw ExitCode(75) }  // EX_TEMPFAIL: spooled, not yet sent
    }
    if status != 0 { throw ExitCode(status) }
  }
}

/// `--upload URL [--token T] [--spool DIR]`, taken out of capture's arguments.
struct UploadRequest {
  struct Problem: Error, CustomStringConvertible {
    var description: String
  }

  var url: URL?
  var token: String?
  var spool = "/var/spool/coroner"

  /// The upload options and the arguments left for `CaptureTool`.
  static func take(from arguments: [String]) throws -> (UploadRequest, [String]) {
    var request = UploadRequest()
    var rest: [String] = []
    var index = 0
    while index < arguments.count {
      var word = arguments[index]
      var inline: String?
      if word.hasPrefix("--"), let equals = word.firstIndex(of: "=") {
        inline = String(word[word.index(after: equals)...])
        word = String(word[..<equals])
      }
      guard ["--upload", "--token", "--spool"].contains(word) else {
        rest.append(arguments[index])
        index += 1
        continue
      }
      var value = inline
      if value == nil {
        index += 1
        guard index < arguments.count else { throw Problem(description: "\(word) needs a value") }
        value = arguments[index]
      }
      let text = value ?? ""
      switch word {
      case "--upload":
        guard let url = URL(string: text), url.scheme == "http" || url.scheme == "https" else {
          throw Problem(description: "--upload: expected an http:// or https:// URL, got '\(text)'")
        }
        request.url = url
      case "--token": request.token = text
      default: request.spool = text
      }
      index += 1
    }
    if request.url != nil {
      request.token = request.token ?? ProcessInfo.processInfo.environment["CORONER_TOKEN"]
      guard request.token != nil else {
        throw Problem(description: "--upload needs --token (or CORONER_TOKEN)")
      }
    }
    return (request, rest)
  }

  /// Spools the folder and sends the spool; returns whether nothing is left in it.
  func send(_ directory: String, to url: URL) async -> Bool {
    let queue = CrashSpool(directory: spool)
    do {
      try queue.add(try CrashSpool.upload(from: directory))
    } catch {
      DumpCommandSupport.writeError("coroner: warning: --upload: \(error)\n")
      return false
    }
    var retry = CrashSpool.Retry()
    retry.attempts = 4
    let outcome = await queue.send(to: url, token: token ?? "", retry: retry) {
      DumpCommandSupport.writeError($0 + "\n")
    }
    DumpCommandSupport.writeError(
      "uploaded \(outcome.sent), refused \(outcome.refused.count), left in \(spool): \(outcome.remaining)\n")
    return outcome.remaining == 0 && outcome.refused.isEmpty
  }
}
