import Examine
import Foundation

/// `coroner serve`'s settings: a config file of `key = value` lines (`#` starts a
/// comment), overridden by flags. `--check-config` parses all of it and stops.
public struct CollectorConfiguration: Sendable, Equatable {
  public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    /// `ADDR:PORT`, `[IPV6]:PORT` or `:PORT` (all addresses).
    public init(parsing text: String, field: String) throws(CollectorError) {
      let hostPart: Substring
      let portPart: Substring
      if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
        hostPart = text[text.index(after: text.startIndex)..<close]
        let rest = text[text.index(after: close)...]
        guard rest.hasPrefix(":") else {
          throw .configuration(field: field, expected: "[ADDR]:PORT, got '\(text)'")
        }
        portPart = rest.dropFirst()
      } else if let colon = text.lastIndex(of: ":"), !text[..<colon].contains(":") {
        hostPart = text[..<colon]
        portPart = text[text.index(after: colon)...]
      } else {
        throw .configuration(field: field, expected: "ADDR:PORT or [ADDR]:PORT, got '\(text)'")
      }
      guard let port = Int(portPart), (0...65535).contains(port) else {
        throw .configuration(field: field, expected: "a port 0-65535, got '\(portPart)'")
      }
      host = hostPart.isEmpty ? "::" : String(hostPart)
      self.port = port
    }

    public init(host: String, port: Int) {
      self.host = host
      self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
  }

  public struct Limits: Sendable, Equatable {
    /// Largest accepted ingest body, bytes.
    public var maximumBody = 16 << 20
  }

  /// Netconsole's default target port (Documentation/networking/netconsole.rst).
  public var udp = Endpoint(host: "::", port: 6666)
  public var http = Endpoint(host: "127.0.0.1", port: 8666)
  public var database = CollectorDatabase.Location.sqlite(path: "coroner-collector.sqlite")
  public var limits = Limits()
  public var shards = 2
  public var listeners = 1
  public var perSourceRate = 50_000.0
  /// Netconsole hosts whose stream state is kept at once (`NetconsoleListener.Options`).
  public var maximumHosts = 100_000
  public var readToken: String?
  /// Reads without a token from any address (behind a trusted proxy).
  public var openReads = false
  public var goneAfterDays = 30
  /// Debuginfo for symbolizing reports on the server (`coroner examine --debug-dir`'s
  /// tree: `boot/vmlinux-REL`, `lib/modules/REL`, `.build-id`); none by default.
  public var examine = ExamineOptions()
  /// The kernel's MAINTAINERS file, to route a symbolized bucket's guilty file.
  public var maintainersPath: String?

  public init() {}

  /// Applies a config file's lines.
  public mutating func apply(file text: String, path: String) throws(CollectorError) {
    for (number, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = rawLine.prefix { $0 != "#" }.trimmingCharacters(in: .whitespaces)
      guard !line.isEmpty else { continue }
      guard let equals = line.firstIndex(of: "=") else {
        throw .configuration(field: "\(path):\(number + 1)", expected: "key = value")
      }
      let key = line[..<equals].trimmingCharacters(in: .whitespaces)
      let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
      try set(key, value, field: "\(path):\(number + 1): \(key)")
    }
  }

  public mutating func set(_ key: String, _ value: String, field: String) throws(CollectorError) {
    func int(_ range: ClosedRange<Int>) throws(CollectorError) -> Int {
      guard let number = Int(value), range.contains(number) else {
        throw .configuration(field: field, expected: "a number in \(range), got '\(value)'")
      }
      return number
    }
    switch key {
    case "udp": udp = try Endpoint(parsing: value, field: field)
    case "http": http = try Endpoint(parsing: value, field: field)
    case "database": database = try CollectorDatabase.Location(parsing: value)
    case "max_body_bytes": limits.maximumBody = try int(1024...(1 << 30))
    case "shards": shards = try int(1...64)
    case "listeners": listeners = try int(1...64)
    case "per_source_rate": perSourceRate = Double(try int(1...10_000_000))
    case "max_hosts": maximumHosts = try int(1...10_000_000)
    case "read_token": readToken = value.isEmpty ? nil : value
    case "open_reads":
      guard value == "true" || value == "false" else {
        throw .configuration(field: field, expected: "true or false")
      }
      openReads = value == "true"
    case "gone_after_days": goneAfterDays = try int(1...3650)
    case "debug_dir": examine.debugDirectory = value.isEmpty ? nil : value
    case "maintainers": maintainersPath = value.isEmpty ? nil : value
    default:
      throw .configuration(
        field: field,
        expected:
          "one of udp, http, database, max_body_bytes, shards, listeners, per_source_rate, max_hosts, read_token, open_reads, gone_after_days, debug_dir, maintainers"
      )
    }
  }
}
