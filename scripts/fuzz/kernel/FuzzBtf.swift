// libFuzzer target: any bytes as a BTF blob, then every layout question on every type.
import Symbols

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBtf(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  guard let btf = try? Btf(bytes: bytes, name: "fuzz.btf") else { return 0 }
  for id in 0..<min(btf.count, 4096) {
    _ = try? btf.name(of: id)
    _ = try? btf.size(of: id)
    _ = try? btf.members(of: id)
    _ = try? btf.array(id)
    _ = try? btf.pointee(id)
    _ = try? btf.enumerators(of: id)
    _ = try? btf.parameters(of: id)
  }
  _ = try? btf.field("task_struct.thread.sp")
  _ = try? btf.field(anyOf: ["task_struct.__state", "task_struct.state"])
  _ = btf.enumValue("TASK_COMM_LEN")
  _ = try? btf.variable("runqueues")
  return 0
}
