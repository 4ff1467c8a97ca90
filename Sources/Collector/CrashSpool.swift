import Crypto
import Foundation

/// The sending side of ingest: a crash folder becomes an upload, the upload is
/// written to a spool folder first, and the spool is sent to the collector with
/// retries and back-off; a file leaves the spool only when the collector has
/// acknowledged it (or refused it for good, when it moves to `refused/`). So a
/// collector that is down loses nothing: the next `coroner send` sends it.
public struct CrashSpool: Sendable {
  public let directory: String

  public init(directory: String) {
    self.directory = directory
  }

  /// Reads a crash folder: `crash.json` makes it a capture, `manifest.txt` a pstore
  /// harvest, anything else is console text (every `.txt`/`.log` in it, or the file).
  public static func upload(from path: String) throws(CollectorError) -> CrashUpload {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw .file(path: path, problem: "does not exist")
    }
    if !isDirectory.boolValue {
      return CrashUpload(
        kind: .console, files: [.init(name: (path as NSString).lastPathComponent, bytes: try read(path))])
    }
    let names = ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    let kind: CrashUpload.Kind
    let chosen: [String]
    if names.contains("crash.json") {
      kind = .capture
      chosen = names.filter { $0 == "crash.json" || ($0.hasPrefix("dmesg") && $0.hasSuffix(".txt")) }
    } else if names.contains("manifest.txt") {
      kind = .pstore
      chosen = names.filter { $0 != "manifest.txt" && ($0.contains("dmesg") || $0.contains("console")) }
    } else {
      kind = .console
      chosen = names.filter { $0.hasSuffix(".txt") || $0.hasSuffix(".log") }
    }
    guard !chosen.isEmpty else {
      throw .file(path: path, problem: "holds no crash.json, dmesg or console text")
    }
    var files: [CrashUpload.File] = []
    for name in chosen { files.append(.init(name: name, bytes: try read(path + "/" + name))) }
    return CrashUpload(kind: kind, files: files)
  }

  static func read(_ path: String) throws(CollectorError) -> [UInt8] {
    guard let data = FileManager.default.contents(atPath: path) else {
      throw .file(path: path, problem: "cannot be read")
    }
    guard data.count <= 64 << 20 else { throw .file(path: path, problem: "larger than 64 MiB") }
    return [UInt8](data)
  }

  /// Writes an upload into the spool (named by its SHA-256, so spooling the same
  /// folder twice keeps one copy) and returns its path.
  @discardableResult
  public func add(_ upload: CrashUpload) throws(CollectorError) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    guard let body = try? encoder.encode(upload) else {
      throw .file(path: directory, problem: "cannot encode upload")
    }
    let name = SHA256.hash(data: body).map { String($0, radix: 16).leftPadded(to: 2) }.joined() + ".json"
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      let final = directory + "/" + name
      let temporary = directory + "/." + name + ".part"
      try body.write(to: URL(fileURLWithPath: temporary))
      if FileManager.default.fileExists(atPath: final) { try FileManager.default.removeItem(atPath: final) }
      try FileManager.default.moveItem(atPath: temporary, toPath: final)
      return final
    } catch {
      throw .file(path: directory, problem: "cannot write the spool: \(error)")
    }
  }

  /// The uploads waiting.
  public func pending() -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter {
      $0.hasSuffix(".json") && !$0.hasPrefix(".")
    }.sorted().map { directory + "/" + $0 }
  }

  public struct Retry: Sendable {
    public var attempts = 8
    public var firstDelay = 1.0
    public var maximumDelay = 60.0
    public init() {}
  }

  public struct Outcome: Sendable, Equatable {
    public var sent = 0
    public var refused: [String] = []
    public var remaining = 0
  }

  /// Sends every spooled upload to `collector` (its base URL); `report` is told
  /// each attempt's result, for the command to print.
  public func send(
    to collector: URL, token: String, retry: Retry = Retry(), report: @Sendable (String) -> Void = { _ in }
  ) async -> Outcome {
    var outcome = Outcome()
    let endpoint = collector.appendingPathComponent("api/v1/crashes")
    for path in pending() {
      guard let body = FileManager.default.contents(atPath: path) else { continue }
      let key = (path as NSString).lastPathComponent.replacingOccurrences(of: ".json", with: "")
      var delay = retry.firstDelay
      var done = false
      for attempt in 1...max(1, retry.attempts) {
        let request = HttpPost(
          url: endpoint,
          headers: [
            ("Content-Type", "application/json"), ("Authorization", "Bearer \(token)"),
            ("Idempotency-Key", key),
          ],
          body: [UInt8](body), timeoutSeconds: 60)
        do {
          // The blocking socket runs off the cooperative pool's threads.
          let response = try await Task.detached { try request.send() }.value
          let status = response.status
          let data = response.body
          let text = String(decoding: data, as: UTF8.self)
          if (200..<300).contains(status) {
            try? FileManager.default.removeItem(atPath: path)
            report("\(path): stored (\(status)) \(text)")
            outcome.sent += 1
            done = true
            break
          }
          // 4xx but timeouts and rate limits: the upload itself is refused; keep it aside.
          if (400..<500).contains(status), status != 408, status != 429 {
            let refusedDirectory = directory + "/refused"
            try? FileManager.default.createDirectory(
              atPath: refusedDirectory, withIntermediateDirectories: true)
            let target = refusedDirectory + "/" + (path as NSString).lastPathComponent
            try? FileManager.default.removeItem(atPath: target)
            try? FileManager.default.moveItem(atPath: path, toPath: target)
            try? Data(text.utf8).write(to: URL(fileURLWithPath: target + ".reason"))
            report("\(path): refused (\(status)) \(text)")
            outcome.refused.append(target)
            done = true
            break
          }
          report("\(path): attempt \(attempt): HTTP \(status), retrying in \(delay) s")
        } catch {
          report("\(path): attempt \(attempt): \(error), retrying in \(delay) s")
        }
        if attempt < retry.attempts {
          try? await Task.sleep(nanoseconds: UInt64(delay * 1e9))
          delay = min(retry.maximumDelay, delay * 2)
        }
      }
      if !done { outcome.remaining += 1 }
    }
    return outcome
  }
}
