import Foundation

/// The dashboard: server-rendered HTML, no script, so it works in any browser and
/// in a text one. Buckets sorted by their last crash with a sparkline of the last
/// weeks, a page per bucket, a page per host, search by title or function.
struct DashboardPages: Sendable {
  let store: CrashStore
  var maintainers: MaintainersFile?
  /// Days the sparklines cover.
  static let sparklineDays: Int64 = 28

  func bucketList(search: String?) async throws -> String {
    let buckets = try await store.buckets(search: search)
    let today = UnixTime.day(UnixTime.now())
    let daily = try await store.dailyCounts(from: today - Self.sparklineDays + 1)
    var rows = ""
    for bucket in buckets {
      let days = (0..<Self.sparklineDays).map { daily[bucket.id]?[today - Self.sparklineDays + 1 + $0] ?? 0 }
      var flags = ""
      if let release = bucket.firstRelease { flags += " <span class=flag>new in \(escape(release))</span>" }
      if bucket.cameBack != nil { flags += " <span class=flag>came back</span>" }
      rows += """
        <tr><td><a href="/buckets/\(bucket.id)">\(escape(bucket.title))</a>\(flags)</td>\
        <td>\(escape(bucket.kind))</td><td class=n>\(bucket.count)</td><td class=n>\(bucket.hosts)</td>\
        <td>\(Sparkline.svg(days))</td><td>\(UnixTime.iso8601(bucket.lastSeen))</td></tr>

        """
    }
    let searchValue = escape(search ?? "")
    return Self.page(
      title: "Crash buckets",
      body: """
        <form method=get action="/"><input name=q value="\(searchValue)" placeholder="title or function">\
        <button>Search</button></form>
        <p>\(buckets.count) bucket\(buckets.count == 1 ? "" : "s")\(search.map { " matching “\(escape($0))”" } ?? "").</p>
        <table id=buckets><thead><tr><th>Title</th><th>Kind</th><th>Crashes</th><th>Hosts</th>\
        <th>Last \(Self.sparklineDays) days</th><th>Last seen</th></tr></thead><tbody>
        \(rows)</tbody></table>
        """)
  }

  /// The guilty file and the subsystems MAINTAINERS routes it to, as `<dt>`/`<dd>` rows.
  func route(_ file: String?) -> String {
    guard let file else { return "" }
    var rows = "<dt>Guilty file</dt><dd id=guilty-file>\(escape(file))</dd>"
    for subsystem in maintainers?.subsystems(for: file) ?? [] {
      let people = (subsystem.maintainers + subsystem.lists).map(escape).joined(separator: ", ")
      rows += "<dt>Subsystem</dt><dd class=subsystem>\(escape(subsystem.name)): \(people)</dd>"
    }
    return rows
  }

  func bucket(id: Int64) async throws -> String? {
    guard let detail = try await store.bucket(id: id) else { return nil }
    let bucket = detail.summary
    let today = UnixTime.day(UnixTime.now())
    let perDay = Dictionary(detail.perDay.map { ($0.day, $0.count) }, uniquingKeysWith: +)
    let days = (0..<Self.sparklineDays).map { perDay[today - Self.sparklineDays + 1 + $0] ?? 0 }
    let releases = detail.perRelease.map {
      "<li>\(escape($0.release.isEmpty ? "unknown" : $0.release)): \($0.count)</li>"
    }
    let hosts = detail.perHost.map {
      "<li><a href=\"/hosts/\(escapePath($0.host))\">\(escape($0.host))</a>: \($0.count)</li>"
    }
    let examples = detail.newest.map { crash in
      """
      <section class=crash><h3>\(UnixTime.iso8601(crash.received)) from \
      <a href="/hosts/\(escapePath(crash.host))">\(escape(crash.host))</a> \
      (\(escape(crash.release ?? "unknown release")), \(escape(crash.source)))</h3>
      <pre class=trace>\(escape(crash.frames.joined(separator: "\n")))</pre>
      <details><summary>Log</summary><pre>\(escape(crash.log))</pre></details></section>
      """
    }
    return Self.page(
      title: bucket.title,
      body: """
        <dl><dt>Kind</dt><dd id=kind>\(escape(bucket.kind))</dd>
        <dt>Guilty frame</dt><dd id=guilty>\(escape(bucket.guiltyFrame ?? "unknown"))</dd>
        \(route(detail.guiltyFile))
        <dt>Crashes</dt><dd id=count>\(bucket.count)</dd><dt>Hosts</dt><dd id=hosts>\(bucket.hosts)</dd>
        <dt>First seen</dt><dd>\(UnixTime.iso8601(bucket.firstSeen))\
        \(bucket.firstRelease.map { " (new in \(escape($0)))" } ?? "")</dd>
        <dt>Last seen</dt><dd>\(UnixTime.iso8601(bucket.lastSeen))</dd>
        \(bucket.cameBack.map { "<dt>Came back</dt><dd>\(UnixTime.iso8601($0))</dd>" } ?? "")
        <dt>Last \(Self.sparklineDays) days</dt><dd>\(Sparkline.svg(days, width: 280, height: 40))</dd>
        <dt>Titles</dt><dd>\(detail.titles.map(escape).joined(separator: "<br>"))</dd></dl>
        <h2>Releases</h2><ul id=releases>\(releases.joined())</ul>
        <h2>Hosts</h2><ul id=hostlist>\(hosts.joined())</ul>
        <h2>Newest reports</h2>\(examples.joined(separator: "\n"))
        """)
  }

  func host(named name: String) async throws -> String? {
    guard let host = try await store.host(named: name) else { return nil }
    let crashes = host.crashes.map {
      """
      <tr><td>\(UnixTime.iso8601($0.received))</td><td><a href="/buckets/\($0.bucketID)">\(escape($0.title))</a></td>\
      <td>\(escape($0.release ?? ""))</td><td>\(escape($0.source))</td></tr>
      """
    }
    return Self.page(
      title: "Host \(host.name)",
      body: """
        <dl><dt>Sends by</dt><dd>\(escape(host.kind))</dd><dt>Release</dt><dd>\(escape(host.release ?? "unknown"))</dd>
        <dt>First seen</dt><dd>\(UnixTime.iso8601(host.firstSeen))</dd>
        <dt>Last seen</dt><dd>\(UnixTime.iso8601(host.lastSeen))</dd></dl>
        <h2>Netconsole</h2><table id=netconsole><tr><th>Datagrams</th><th>Records</th><th>Lost</th>\
        <th>Restarts</th><th>Refused</th></tr><tr><td class=n>\(host.datagrams)</td><td class=n>\(host.messages)</td>\
        <td class=n>\(host.lost)</td><td class=n>\(host.restarts)</td><td class=n>\(host.refused)</td></tr></table>
        <h2>Crashes</h2><table id=crashes><tr><th>When</th><th>Bucket</th><th>Release</th><th>Source</th></tr>
        \(crashes.joined(separator: "\n"))</table>
        """)
  }

  func hostList() async throws -> String {
    let rows = try await store.hosts().map {
      """
      <tr><td><a href="/hosts/\(escapePath($0.name))">\(escape($0.name))</a></td><td>\(escape($0.kind))</td>\
      <td>\(escape($0.release ?? ""))</td><td class=n>\($0.messages)</td><td class=n>\($0.lost)</td>\
      <td>\(UnixTime.iso8601($0.lastSeen))</td></tr>
      """
    }
    return Self.page(
      title: "Hosts",
      body: """
        <table id=hosts><tr><th>Host</th><th>Sends by</th><th>Release</th><th>Records</th><th>Lost</th>\
        <th>Last seen</th></tr>
        \(rows.joined(separator: "\n"))</table>
        """)
  }

  static func notFound(_ message: String) -> String {
    page(title: "Not found", body: "<p>\(escape(message))</p>")
  }

  static func page(title: String, body: String) -> String {
    """
    <!doctype html>
    <html lang=en><head><meta charset=utf-8><title>\(escape(title)) · coroner</title>
    <style>
    body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}
    table{border-collapse:collapse}td,th{padding:.25em .6em;border-bottom:1px solid #ddd;text-align:left}
    td.n{text-align:right}.flag{font-size:11px;background:#fde68a;border-radius:3px;padding:0 .3em}
    pre{background:#f6f6f6;padding:.5em;overflow:auto}dt{font-weight:600}nav a{margin-right:1em}
    </style></head>
    <body><nav><a href="/">Buckets</a><a href="/hosts">Hosts</a><a href="/metrics">Metrics</a></nav>
    <h1>\(escape(title))</h1>
    \(body)
    </body></html>

    """
  }
}

/// Text for HTML element content and attribute values.
func escape(_ text: String) -> String {
  var out = ""
  out.reserveCapacity(text.utf8.count)
  for character in text {
    switch character {
    case "&": out += "&amp;"
    case "<": out += "&lt;"
    case ">": out += "&gt;"
    case "\"": out += "&quot;"
    case "'": out += "&#39;"
    default: out.append(character)
    }
  }
  return out
}

func escapePath(_ text: String) -> String {
  text.addingPercentEncoding(
    withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? text
}

/// A per-day bar chart as inline SVG: one bar a day, scaled to the busiest day.
enum Sparkline {
  static func svg(_ counts: [Int64], width: Int = 112, height: Int = 20) -> String {
    let peak = max(1, counts.max() ?? 1)
    let step = Double(width) / Double(max(1, counts.count))
    var bars = ""
    for (index, count) in counts.enumerated() where count > 0 {
      let barHeight = max(1, Double(height) * Double(count) / Double(peak))
      bars += String(
        format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"><title>%lld</title></rect>",
        Double(index) * step, Double(height) - barHeight, max(1, step - 1), barHeight, count)
    }
    return """
      <svg class=spark role=img aria-label="\(counts.reduce(0, +)) crashes" width="\(width)" height="\(height)" \
      viewBox="0 0 \(width) \(height)" fill="#b91c1c">\(bars)</svg>
      """
  }
}
