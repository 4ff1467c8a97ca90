import Examine
import Foundation
import Hummingbird
import KernelLog
import NIOCore

/// The HTTP side: the JSON API (docs/collector-api.yaml), the dashboard, metrics.
struct CollectorRoutes: Sendable {
  let store: CrashStore
  let metrics: CollectorMetrics
  let limits: CollectorConfiguration.Limits
  /// When set, reads need `Authorization: Bearer <readToken>`; unset, reads are
  /// open to loopback callers only.
  let readToken: String?
  let openReads: Bool
  /// Reads uploads as `coroner examine` reads files.
  var examiner = Examiner()
  /// Routes a bucket's guilty file to its subsystems, when configured.
  var maintainers: MaintainersFile?

  func router() -> Router<CollectorRequestContext> {
    let router = Router(context: CollectorRequestContext.self)
    router.get("/api/v1/buckets") { request, context in
      try await readable(request, context)
      let buckets = try await store.buckets(
        search: request.uri.queryParameters.get("q"), newIn: request.uri.queryParameters.get("new_in"))
      return try json(BucketList(buckets: buckets))
    }
    router.get("/api/v1/buckets/:id") { request, context in
      try await readable(request, context)
      guard let id = context.parameters.get("id", as: Int64.self), let detail = try await store.bucket(id: id)
      else {
        return problem(.notFound, "no such bucket")
      }
      return try json(BucketDocument(detail, maintainers: maintainers))
    }
    router.post("/api/v1/crashes") { request, context in
      await ingest(request, context, raw: false)
    }
    router.post("/api/v1/console") { request, context in
      await ingest(request, context, raw: true)
    }
    router.get("/metrics") { request, context in
      try await readable(request, context)
      return Response(
        status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
        body: .init(byteBuffer: ByteBuffer(string: metrics.render())))
    }
    router.get("/healthz") { _, _ in
      Response(status: .ok, body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
    }
    let pages = DashboardPages(store: store, maintainers: maintainers)
    router.get("/") { request, context in
      try await readable(request, context)
      return html(try await pages.bucketList(search: request.uri.queryParameters.get("q")))
    }
    router.get("/buckets/:id") { request, context in
      try await readable(request, context)
      guard let id = context.parameters.get("id", as: Int64.self), let page = try await pages.bucket(id: id)
      else {
        return html(DashboardPages.notFound("No such bucket."), status: .notFound)
      }
      return html(page)
    }
    router.get("/hosts") { request, context in
      try await readable(request, context)
      return html(try await pages.hostList())
    }
    router.get("/hosts/:name") { request, context in
      try await readable(request, context)
      guard let name = context.parameters.get("name"), let page = try await pages.host(named: name) else {
        return html(DashboardPages.notFound("No such host."), status: .notFound)
      }
      return html(page)
    }
    return router
  }

  struct BucketList: Codable { var buckets: [BucketSummary] }

  func readable(_ request: Request, _ context: CollectorRequestContext) async throws {
    if let readToken {
      guard bearer(request) == readToken else {
        throw HTTPError(.unauthorized, message: "a read token is required")
      }
      return
    }
    guard openReads || context.isLoopback else {
      throw HTTPError(.forbidden, message: "reads are open to loopback only; configure read_token")
    }
  }

  func bearer(_ request: Request) -> String? {
    guard let value = request.headers[.authorization], value.hasPrefix("Bearer ") else { return nil }
    return String(value.dropFirst(7)).trimmingCharacters(in: .whitespaces)
  }

  /// Stores an upload. Every refusal is counted by reason and answered with a
  /// JSON `{"error": ...}` and the status that fits.
  func ingest(_ request: Request, _ context: CollectorRequestContext, raw: Bool) async -> Response {
    let started = DispatchTime.now().uptimeNanoseconds
    do {
      guard let token = bearer(request) else {
        throw CollectorError.refused(
          status: 401, reason: "missing token: send 'Authorization: Bearer <token>'")
      }
      guard let hostName = try await store.host(forToken: token) else {
        throw CollectorError.refused(status: 403, reason: "unknown or revoked token")
      }
      let limit = limits.maximumBody
      if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
        throw CollectorError.refused(status: 413, reason: "body of \(declared) bytes; the limit is \(limit)")
      }
      let body: ByteBuffer
      do {
        body = try await request.body.collect(upTo: limit)
      } catch {
        throw CollectorError.refused(status: 413, reason: "body larger than the limit of \(limit) bytes")
      }
      let bytes = Array(body.readableBytesView)
      let upload: CrashUpload
      if raw {
        upload = CrashUpload(kind: .console, files: [.init(name: "console.txt", bytes: bytes)])
      } else {
        do {
          upload = try JSONDecoder().decode(CrashUpload.self, from: Data(bytes))
        } catch {
          throw CollectorError.refused(status: 400, reason: "malformed upload JSON: \(Self.describe(error))")
        }
      }
      let (reports, release) = try upload.reports(examiner: examiner)
      let host = HostIdentity(name: hostName, kind: .token)
      let key =
        request.headers.first(where: { $0.name.canonicalName == "idempotency-key" })?.value
        ?? CrashStore.tokenDigest(String(decoding: bytes, as: UTF8.self))
      let time = UnixTime.now()
      let arrivals = reports.map {
        CrashArrival(report: $0, host: host, release: release, source: upload.kind.rawValue, received: time)
      }
      let outcomes = try await store.record(arrivals, uploadID: hostName + ":" + key, uploader: host)
      metrics.add(
        "coroner_ingest_requests_total", labels: [("outcome", outcomes == nil ? "duplicate" : "stored")])
      if let outcomes {
        metrics.add(
          "coroner_reports_total", Int64(outcomes.count), labels: [("source", upload.kind.rawValue)])
        metrics.add("coroner_buckets_new_total", Int64(outcomes.filter { $0.isNewBucket }.count))
      }
      metrics.observeIngest(seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
      let storedOutcomes: [BucketOutcome] = outcomes ?? []
      let stored = storedOutcomes.enumerated().map { index, outcome in
        IngestAnswer.Stored(
          bucket: outcome.bucketID, title: reports[index].title, new_bucket: outcome.isNewBucket,
          came_back: outcome.cameBack)
      }
      return try json(
        IngestAnswer(host: hostName, duplicate: outcomes == nil, crashes: stored), status: .created)
    } catch let error as CollectorError {
      guard case .refused(let status, let reason) = error else { return storeFailure(error) }
      metrics.add("coroner_ingest_requests_total", labels: [("outcome", "refused_\(status)")])
      return problem(HTTPResponse.Status(code: status), reason)
    } catch {
      return storeFailure(error)
    }
  }

  func storeFailure(_ error: any Error) -> Response {
    metrics.add("coroner_store_errors_total")
    metrics.add("coroner_ingest_requests_total", labels: [("outcome", "error")])
    return problem(.serviceUnavailable, "not stored: \(error)")
  }

  static func describe(_ error: any Error) -> String {
    switch error {
    case DecodingError.dataCorrupted(let context): return context.debugDescription
    case DecodingError.keyNotFound(let key, _): return "missing key '\(key.stringValue)'"
    case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
      return "\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)"
    default: return "\(error)"
    }
  }

  struct IngestAnswer: Codable {
    struct Stored: Codable {
      var bucket: Int64
      var title: String
      var new_bucket: Bool
      var came_back: Bool
    }
    var host: String
    var duplicate: Bool
    var crashes: [Stored]
  }
}

func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
  let encoder = JSONEncoder()
  encoder.outputFormatting = [.sortedKeys]
  let data = try encoder.encode(value)
  return Response(
    status: status, headers: [.contentType: "application/json"],
    body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

func problem(_ status: HTTPResponse.Status, _ reason: String) -> Response {
  let data = (try? JSONEncoder().encode(["error": reason])) ?? Data()
  return Response(
    status: status, headers: [.contentType: "application/json"],
    body: .init(byteBuffer: ByteBuffer(bytes: data)))
}

func html(_ page: String, status: HTTPResponse.Status = .ok) -> Response {
  Response(
    status: status, headers: [.contentType: "text/html; charset=utf-8"],
    body: .init(byteBuffer: ByteBuffer(string: page)))
}

/// A bucket in full, as `GET /api/v1/buckets/{id}` answers.
struct BucketDocument: Codable {
  struct Crash: Codable {
    var id: Int64
    var host: String
    var received: Int64
    var release: String?
    var source: String
    var guilty_frame: String?
    var guilty_file: String?
    var frames: [String]
  }
  var bucket: BucketSummary
  var titles: [String]
  var per_day: [String: Int64]
  var per_release: [String: Int64]
  var per_host: [String: Int64]
  var newest: [Crash]
  /// The newest symbolized crash's guilty file, and the MAINTAINERS sections that
  /// cover it, most specific first (both need the server's debug_dir and maintainers).
  var guilty_file: String?
  var subsystems: [MaintainersFile.Subsystem]

  init(_ detail: BucketDetail, maintainers: MaintainersFile?) {
    guilty_file = detail.guiltyFile
    subsystems = detail.guiltyFile.map { maintainers?.subsystems(for: $0) ?? [] } ?? []
    bucket = detail.summary
    titles = detail.titles
    per_day = Dictionary(detail.perDay.map { (UnixTime.dayString($0.day), $0.count) }, uniquingKeysWith: +)
    per_release = Dictionary(detail.perRelease.map { ($0.release, $0.count) }, uniquingKeysWith: +)
    per_host = Dictionary(detail.perHost.map { ($0.host, $0.count) }, uniquingKeysWith: +)
    newest = detail.newest.map {
      Crash(
        id: $0.id, host: $0.host, received: $0.received, release: $0.release, source: $0.source,
        guilty_frame: $0.guiltyFrame, guilty_file: $0.guiltyFile, frames: $0.frames)
    }
  }
}
