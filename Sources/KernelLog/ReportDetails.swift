/// What a report says about the machine and the task: the `CPU: PID: Comm:` line
/// of `dump_stack_print_info()` (lib/dump_stack.c) with taint and release,
/// `Hardware name:`, and the register dump of `__show_regs()`.
struct ReportDetails {
  var kernel: CrashReport.KernelBuild?
  var task: CrashReport.TaskIdentity?
  var taint: Taint?
  var hardware: String?
  var registers: [String: String] = [:]

  init(region: [Int], lines: [ConsoleLine], header: ReportHeader) {
    // A task named by the header (hung task, soft lockup) is the victim or the
    // culprit; the `CPU:` line of a later dump may be the reporter's (khungtaskd).
    parseHeaderTask(lines[header.line].text)
    let namedPID = task?.pid
    // The identity lines and the first register dump open a report.
    for index in region.prefix(ReportDetails.linesScanned) {
      let text = lines[index].trimmed
      if !sawDumpInfo, text.hasBytePrefix("CPU: "), lines[index].text.contains("PID: ") {
        sawDumpInfo = true
        parseDumpStackInfo(text, namedPID: namedPID)
      }
      if taint == nil, text.hasBytePrefix("Tainted: ") {
        let (parsed, rest) = Taint.parse(afterTainted: text.dropFirst("Tainted: ".count))
        taint = parsed
        parseRelease(rest)
      }
      if hardware == nil, text.hasBytePrefix("Hardware name: ") {
        hardware = String(text.dropFirst("Hardware name: ".count)).trimmingSpaces()
      }
      if taint == nil, lines[index].text.contains(" Not tainted") {
        taint = Taint(flags: "")
      }
      if registers.count < 40, ReportDetails.mayHoldRegisters(text) { parseRegisters(text) }
    }
  }

  private var sawDumpInfo = false
  static let linesScanned = 300

  /// The `CPU: PID: Comm:` line (`DumpStackInfo`): the task, when the header names
  /// none or the same one, and the taint and release.
  private mutating func parseDumpStackInfo(_ text: Substring, namedPID: Int?) {
    guard let info = DumpStackInfo(text) else { return }
    if namedPID == nil || namedPID == info.pid {
      task = CrashReport.TaskIdentity(pid: info.pid, comm: info.comm, cpu: info.cpu)
    }
    if let taint = info.taint { self.taint = taint }
    if kernel == nil, let release = info.release {
      kernel = CrashReport.KernelBuild(release: release, version: info.version)
    }
  }

  /// `6.1.0-28-amd64 #1  Debian 6.1.119-1`: `uname -r`, then `uname -v`.
  private mutating func parseRelease(_ rest: Substring) {
    guard kernel == nil, let release = rest.split(separator: " ").first, release.first?.isNumber == true
    else { return }
    let version = rest.dropFirst(release.count).trimmingPrefix(while: { $0 == " " })
    kernel = CrashReport.KernelBuild(
      release: String(release), version: version.isEmpty ? nil : String(version).trimmingSpaces())
  }

  /// Tasks named by the header: `[det_spin:93]` (soft lockup), `task det_hung:92`
  /// (hung task), `by task syz/123` (KASAN).
  private mutating func parseHeaderTask(_ text: String) {
    var found: (comm: String, pid: Int)?
    if let open = text.lastIndex(of: "["), text.hasSuffix("]"), text.contains("soft lockup") {
      let inside = text[text.index(after: open)..<text.index(before: text.endIndex)]
      if let colon = inside.lastIndex(of: ":"), let pid = Int(inside[inside.index(after: colon)...]) {
        found = (String(inside[..<colon]), pid)
      }
    } else if let task = text.firstRange(of: "task ") {
      let word = text[task.upperBound...].prefix { $0 != " " }
      if let colon = word.lastIndex(of: ":"), let pid = Int(word[word.index(after: colon)...]) {
        found = (String(word[..<colon]), pid)
      }
    }
    guard let found else { return }
    var task = self.task ?? CrashReport.TaskIdentity()
    task.comm = task.comm ?? found.comm
    task.pid = task.pid ?? found.pid
    if task.cpu == nil, let cpu = ReportDetails.number(after: "CPU#", in: Substring(text)) { task.cpu = cpu }
    self.task = task
  }

  /// `RAX: 0000000000000000 RBX: ...`, `RIP: 0010:func+0x1/0x2`, arm64 `x29: ... x28: ...`.
  private mutating func parseRegisters(_ text: Substring) {
    if text.hasBytePrefix("RIP: "), registers["rip"] == nil {
      registers["rip"] = String(text.dropFirst(5)).trimmingSpaces()
      return
    }
    if text.hasBytePrefix("pc : ") || text.hasBytePrefix("lr : ") || text.hasBytePrefix("sp : ") {
      let name = String(text.prefix(2))
      if registers[name] == nil { registers[name] = String(text.dropFirst(5)).trimmingSpaces() }
      return
    }
    // `RAX: 0000000000000000 RBX: ffff888012345678 ...`: name and value pairs,
    // read on bytes (a register dump is dozens of lines in every report).
    var utf8 = text.utf8[...]
    var pairs = 0
    while pairs < 12 {
      guard let name = ReportDetails.nextToken(&utf8), let value = ReportDetails.nextToken(&utf8),
        name.count >= 2, name.count <= 8, name.last == UInt8(ascii: ":"),
        name.dropLast().allSatisfy({ $0.isSymbolByte && $0 != UInt8(ascii: ".") && $0 != UInt8(ascii: "$") })
      else { return }
      let digits = value.prefix { $0 != UInt8(ascii: "(") }
      guard digits.count >= 4, digits.allSatisfy({ $0.isHexDigit }) else { return }
      let key = String(
        decoding: name.dropLast().map { $0 | ($0 >= 0x41 && $0 <= 0x5A ? 0x20 : 0) }, as: UTF8.self)
      if registers[key] == nil { registers[key] = String(decoding: digits, as: UTF8.self) }
      pairs += 1
    }
  }

  /// The next run of non-blank bytes, advancing `rest` past it.
  static func nextToken(_ rest: inout Substring.UTF8View.SubSequence) -> Substring.UTF8View.SubSequence? {
    while let first = rest.first, first == 0x20 { rest = rest.dropFirst() }
    guard !rest.isEmpty else { return nil }
    let end = rest.firstIndex(of: 0x20) ?? rest.endIndex
    let token = rest[..<end]
    rest = rest[end...]
    return token
  }

  /// Register dumps start with a short name and a colon: `RAX: `, `x29: `, `pc : `.
  static func mayHoldRegisters(_ text: Substring) -> Bool {
    var prefix = text.utf8.prefix(6).makeIterator()
    var length = 0
    while let byte = prefix.next() {
      if byte == UInt8(ascii: ":") { return length > 0 }
      guard byte.isSymbolByte || byte == UInt8(ascii: " ") else { return false }
      length += 1
    }
    return false
  }

  static func number(after label: String, in text: Substring) -> Int? {
    guard let range = text.firstRange(of: label) else { return nil }
    return Int(text[range.upperBound...].prefix { $0.isNumber })
  }
}
