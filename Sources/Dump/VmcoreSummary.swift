/// What `coroner info` reports about a dump: format, kernel, memory layout, CPUs and
/// what is missing, gathered without debuginfo.
public struct VmcoreSummary: Sendable {
  public var path: String
  public var format: String
  public var compression: [String]
  public var kernelRelease: String?
  public var buildID: String?
  public var pageSize: Int
  public var physicalEnd: UInt64
  public var kaslrOffset: UInt64?
  public var physBase: Int64?
  public var directMapBase: UInt64?
  public var fiveLevelPaging: Bool?
  public var dumpLevel: Int32?
  public var headerVersion: Int32?
  public var crashTime: Int64?
  public var vmcoreInfoSource: String?
  public var vmcoreInfoKeys: Int
  public var cpus: [CpuRegisters]
  public var notes: [(name: String, type: UInt32, size: Int)]
  public var problems: [String]
  /// The crashing CPU and task, when the log names them.
  public var scene: CrashScene?
  public var logRecords: Int?
  /// kdump-compressed: pages the machine had, and pages the dump holds.
  public var memoryPages: UInt64?
  public var dumpedPages: UInt64?

  public init(_ dump: Vmcore) {
    path = dump.path
    format = dump.format.description
    if let header = dump.kdumpHeader {
      let codecs = PageCodec.named(byStatus: header.status).map(\.rawValue)
      compression = codecs.isEmpty ? ["none"] : codecs
      dumpLevel = header.dumpLevel
      headerVersion = header.version
      if let kdump = dump.physical as? KdumpCompressedDump {
        memoryPages = kdump.memoryPages
        dumpedPages = kdump.dumpedPages
      } else if let split = dump.physical as? SplitDump {
        memoryPages = split.parts.first?.memoryPages
        dumpedPages = split.parts.reduce(0) { $0 + $1.dumpedPages }
      }
    } else {
      compression = ["none"]
    }
    let info = dump.vmcoreInfo
    kernelRelease = info?.osRelease
    buildID = info?.buildID
    pageSize = info?.pageSize ?? dump.physical.pageSize
    physicalEnd = dump.physical.physicalEnd
    kaslrOffset = info?.kernelOffset
    physBase = info?.number("phys_base")
    fiveLevelPaging = info?.number("pgtable_l5_enabled").map { $0 == 1 }
    crashTime = info?.crashTime
    vmcoreInfoSource = dump.vmcoreInfoSource?.rawValue
    vmcoreInfoKeys = info?.entries.count ?? 0
    cpus = dump.cpus
    notes = dump.notes.map { ($0.name, $0.type, $0.descriptor.count) }
    problems = dump.problems
    if let memory = try? dump.kernelMemory() {
      directMapBase = memory.addressSpace.directMapBase(in: dump.physical)
    }
    do {
      let log = try dump.kernelLog()
      logRecords = log.records.count
      scene = CrashScene(records: log.records, cpus: dump.cpus)
      problems += log.problems
    } catch {
      problems.append("the kernel log cannot be read: \(error)")
    }
  }
}
