extension CrashScene {
  /// The scene as one JSON object, the one shape `crash.json` and `coroner info --json`
  /// both print: the panic message, the CPU and task, and the crashing CPU's registers
  /// (`rip` also on its own, the register a reader looks for first).
  public var json: String {
    let string = DmesgFormatter.jsonString
    var fields = ["\"panic_message\": \(panicMessage.map(string) ?? "null")"]
    fields.append("\"cpu\": \(cpu.map { String($0) } ?? "null")")
    fields.append("\"pid\": \(pid.map { String($0) } ?? "null")")
    fields.append("\"comm\": \(comm.map(string) ?? "null")")
    if let registers {
      if let rip = registers["rip"] { fields.append("\"rip\": \(string(CpuRegisters.hex(rip)))") }
      fields.append("\"registers\": \(registers.json)")
    }
    return "{" + fields.joined(separator: ", ") + "}"
  }
}

extension CpuRegisters {
  /// The registers as a JSON object of hex strings, in the note's order.
  public var json: String {
    let pairs = registers.map { "\(DmesgFormatter.jsonString($0.name)): \"\(Self.hex($0.value))\"" }
    return "{" + pairs.joined(separator: ", ") + "}"
  }

  /// `0x` and lowercase hex digits, without leading zeros.
  public static func hex(_ value: UInt64) -> String { "0x" + String(value, radix: 16) }
}
