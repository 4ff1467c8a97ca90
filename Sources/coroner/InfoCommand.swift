import ArgumentParser
import Dump

/// `coroner info VMCOREINFO`: what a dump is and what it holds.
struct InfoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "info",
    abstract: "Describe a vmcore: format, kernel release, CPUs and registers, KASLR, what is missing.")

  @Argument(help: "The vmcore file (several files: the parts of a makedumpfile --split dump).")
  var vmcore: [String]

  @Flag(help: "Print one JSON object.")
  var json = false

  @Flag(help: "Also print the whole VMCOREINFO text.")
  var vmcoreinfo = false

  func run() throws {
    let dump = DumpCommandSupport.open(vmcore)
    let summary = VmcoreSummary(dump)
    let text =
      json
      ? InfoCommand.json(summary, dump: dump) : InfoCommand.text(summary, dump: dump, withInfo: vmcoreinfo)
    DumpCommandSupport.write(Array(text.utf8))
  }

  static func text(_ s: VmcoreSummary, dump: Vmcore, withInfo: Bool) -> String {
    let hex = DumpCommandSupport.hex
    var lines: [String] = []
    func add(_ key: String, _ value: String?) {
      if let value { lines.append(key.padding(18) + value) }
    }
    add("file", s.path)
    add("format", s.format + (s.headerVersion.map { ", header version \($0)" } ?? ""))
    add("compression", s.compression.joined(separator: ", "))
    add("dump level", s.dumpLevel.map(String.init))
    if let memory = s.memoryPages, let dumped = s.dumpedPages {
      add(
        "pages",
        "\(dumped) of \(memory) dumped (\(memory > dumped ? memory - dumped : 0) excluded by the dump level)")
    }
    add("kernel", s.kernelRelease ?? "unknown (no VMCOREINFO)")
    add("build id", s.buildID)
    add("page size", String(s.pageSize))
    add("memory", "\(s.physicalEnd / (1 << 20)) MiB of physical address space")
    add("kaslr offset", s.kaslrOffset.map(hex))
    add("phys_base", s.physBase.map { hex(UInt64(bitPattern: $0)) })
    add("direct map", s.directMapBase.map(hex))
    add("paging", s.fiveLevelPaging.map { $0 ? "5-level" : "4-level" })
    add("crash time", s.crashTime.map { "\($0) (seconds since the epoch)" })
    add("vmcoreinfo", s.vmcoreInfoSource.map { "\(s.vmcoreInfoKeys) keys, from the \($0)" } ?? "none")
    add("notes", s.notes.map { "\($0.name)/\($0.type)" }.joined(separator: " "))
    add("log", s.logRecords.map { "\($0) records" })
    if let scene = s.scene {
      add("panic", scene.panicMessage)
      if let cpu = scene.cpu, let pid = scene.pid {
        add("crashed", "CPU \(cpu), PID \(pid) (\(scene.comm ?? "?"))")
      }
      if let registers = scene.registers {
        let names = ["rip", "rsp", "rbp", "rax", "rdi", "rsi"]
        add(
          "  its registers",
          names.compactMap { name in registers[name].map { "\(name)=\(hex($0))" } }.joined(separator: " "))
      }
    }
    add("cpus", String(s.cpus.count))
    for (index, cpu) in s.cpus.enumerated() {
      let names = ["rip", "rsp", "rbp", "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "eflags", "rflags"]
      let regs = names.compactMap { name in cpu[name].map { "\(name)=\(hex($0))" } }
      let label =
        cpu.vcpu.map { "vcpu \($0)" } ?? "cpu \(index) pid \(cpu.pid)"
      lines.append("  \(label) (\(cpu.source.rawValue)): " + regs.joined(separator: " "))
      if cpu.controlRegisters.count == 5 {
        lines.append(
          "    cr0=\(hex(cpu.controlRegisters[0])) cr3=\(hex(cpu.controlRegisters[3])) cr4=\(hex(cpu.controlRegisters[4]))"
        )
      }
    }
    if s.problems.isEmpty {
      add("missing", "nothing")
    } else {
      for problem in s.problems { add("missing", problem) }
    }
    var result = lines.joined(separator: "\n") + "\n"
    if withInfo, let info = dump.vmcoreInfo {
      result += "\n" + info.raw + (info.raw.hasSuffix("\n") ? "" : "\n")
    }
    return result
  }

  static func json(_ s: VmcoreSummary, dump: Vmcore) -> String {
    let str = DumpCommandSupport.jsonString
    let hex = DumpCommandSupport.hex
    func opt(_ value: String?) -> String { value.map(str) ?? "null" }
    var fields: [String] = []
    fields.append("\"file\":\(str(s.path))")
    fields.append("\"format\":\(str(s.format))")
    fields.append("\"compression\":[\(s.compression.map(str).joined(separator: ","))]")
    fields.append("\"header_version\":\(s.headerVersion.map { String($0) } ?? "null")")
    fields.append("\"dump_level\":\(s.dumpLevel.map { String($0) } ?? "null")")
    fields.append("\"kernel_release\":\(opt(s.kernelRelease))")
    fields.append("\"build_id\":\(opt(s.buildID))")
    fields.append("\"page_size\":\(s.pageSize)")
    fields.append("\"memory_pages\":\(s.memoryPages.map { String($0) } ?? "null")")
    fields.append("\"dumped_pages\":\(s.dumpedPages.map { String($0) } ?? "null")")
    fields.append("\"physical_end\":\(str(hex(s.physicalEnd)))")
    fields.append("\"kaslr_offset\":\(opt(s.kaslrOffset.map(hex)))")
    let physBase: String? = s.physBase.map { hex(UInt64(bitPattern: $0)) }
    fields.append("\"phys_base\":\(opt(physBase))")
    fields.append("\"direct_map_base\":\(opt(s.directMapBase.map(hex)))")
    let fiveLevel: String = s.fiveLevelPaging.map { $0 ? "true" : "false" } ?? "null"
    fields.append("\"five_level_paging\":\(fiveLevel)")
    fields.append("\"crash_time\":\(s.crashTime.map { String($0) } ?? "null")")
    fields.append("\"vmcoreinfo_source\":\(opt(s.vmcoreInfoSource))")
    let cpus = s.cpus.map { cpu -> String in
      let control = cpu.controlRegisters.map { str(hex($0)) }
      return
        "{\"source\":\(str(cpu.source.rawValue)),\"pid\":\(cpu.pid),\"registers\":\(cpu.json)"
        + (control.isEmpty ? "" : ",\"control_registers\":[\(control.joined(separator: ","))]") + "}"
    }
    fields.append("\"cpus\":[\(cpus.joined(separator: ","))]")
    let notes = s.notes.map { "{\"name\":\(str($0.name)),\"type\":\($0.type),\"size\":\($0.size)}" }
    fields.append("\"notes\":[\(notes.joined(separator: ","))]")
    if let scene = s.scene { fields.append("\"crash\":\(scene.json)") }
    fields.append("\"log_records\":\(s.logRecords.map { String($0) } ?? "null")")
    fields.append("\"problems\":[\(s.problems.map(str).joined(separator: ","))]")
    if let info = dump.vmcoreInfo {
      let entries = info.entries.map { "\(str($0.key)):\(str($0.value))" }
      fields.append("\"vmcoreinfo\":{\(entries.joined(separator: ","))}")
    }
    return "{" + fields.joined(separator: ",") + "}\n"
  }
}

extension String {
  fileprivate func padding(_ width: Int) -> String {
    count >= width ? self + " " : self + String(repeating: " ", count: width - count)
  }
}
