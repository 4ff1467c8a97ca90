import Dump
import Foundation
import Kernel
import Lab
import Symbols
import TestSupport
import XCTest

/// `ps` and `bt` on real lab dumps, from the dump alone, checked against the kernel's
/// own reports in the console and against drgn with Debian's debug vmlinux.
final class TaskLabSceneTests: XCTestCase {
  /// The task list and every task's stack, as `coroner ps` and `bt --all` read them.
  func stacks(_ path: String) throws -> [TaskStack] {
    let image = try KernelImage(vmcore: try Vmcore.open(path: path))
    let list = try TaskList(image: image)
    XCTAssertEqual(list.problems, [], path)
    let backtracer = try TaskBacktracer(image: image, tasks: list)
    return list.tasks.map(backtracer.backtrace)
  }

  /// The function names of a console trace block: the lines after `Call Trace:` up to
  /// `</TASK>`, without the `?` entries, e.g. ` det_hung_fn+0x28/0x2a [det_hung]`.
  /// With `wholeFrames`, each frame as printed: `det_hung_fn+0x28/0x2a [det_hung]`.
  func consoleTrace(_ text: String, after marker: String, wholeFrames: Bool = false) throws -> [String] {
    let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
    let start = try XCTUnwrap(lines.firstIndex { $0.contains(marker) }, "no \(marker) in the console")
    let trace = try XCTUnwrap(lines[start...].firstIndex { $0.contains("Call Trace:") })
    var names: [String] = []
    for line in lines[(trace + 1)...] {
      if line.contains("</TASK>") { break }
      guard let body = line.split(separator: "]", maxSplits: 1).last?.trimmingCharacters(in: .whitespaces),
        !body.hasPrefix("?"), !body.hasPrefix("<"), let plus = body.firstIndex(of: "+")
      else { continue }
      names.append(wholeFrames ? body : String(body[..<plus]))
    }
    return names
  }

  func testHungTaskThreadStackIsTheOneTheKernelReported() throws {
    try checkHungTaskThreadStack(on: .v6_1)
  }

  /// On sid's 7.x too: the module thread's frames as the kernel printed them, the last
  /// one sized to the module's text end (no module symbol follows it there).
  func testSidHungTaskThreadStackIsTheOneTheKernelReported() throws {
    try checkHungTaskThreadStack(on: .sid)
  }

  func checkHungTaskThreadStack(on kernel: DebianKernel) throws {
    let scene = try LabScenes.scene("hung-task", on: kernel)
    let console = try String(contentsOf: scene.console, encoding: .utf8)
    // "INFO: task det_hung:102 blocked for more than 2 seconds."
    let info = try XCTUnwrap(console.components(separatedBy: "INFO: task ").dropFirst().first)
    let taskField = try XCTUnwrap(info.components(separatedBy: " blocked for ").first)
    let colon = try XCTUnwrap(taskField.lastIndex(of: ":"))
    let comm = String(taskField[..<colon])
    let pid = try XCTUnwrap(Int32(taskField[taskField.index(after: colon)...]), taskField)
    let expected = try consoleTrace(console, after: "INFO: task \(comm):\(pid)")
    XCTAssertEqual(expected.first, "__schedule")
    let stacks = try stacks(scene.vmcore.path)
    let blocked = try XCTUnwrap(stacks.first { $0.task.pid == pid })
    XCTAssertEqual(blocked.task.comm, comm)
    XCTAssertEqual(blocked.task.state, "D")
    XCTAssertEqual(blocked.frames.map { $0.function ?? "?" }, expected)
    // Offsets and sizes too, as %pB prints them (a module's last function ends with
    // the module's text).
    let printed = try consoleTrace(console, after: "INFO: task \(comm):\(pid)", wholeFrames: true)
    XCTAssertEqual(blocked.frames.map(\.description), printed)
    XCTAssertTrue(blocked.frames.allSatisfy(\.frame.reliable))
    XCTAssertEqual(blocked.ending, .endOfStack)
    let module = try XCTUnwrap(blocked.frames.first { $0.module != nil }?.module)
    XCTAssertEqual(module, comm)
  }

  /// drgn (python3-drgn) with the debug vmlinux: its task set and non-inline frame
  /// names, through scripts/drgn-tasks.
  func drgnTasks(_ vmcore: String) throws -> [[String: Any]] {
    let vmlinux = try XCTUnwrap(LabGate.debugPackage(.v6_1, parts: [.systemMap, .vmlinux]).file(.vmlinux))
    let object = try DrgnScript.run("drgn-tasks", [vmcore, vmlinux.path])
    return try XCTUnwrap(object["tasks"] as? [[String: Any]])
  }

  /// A function's name without a compiler suffix: kallsyms names the `.cold` and
  /// `.isra.0` parts, DWARF the function they belong to.
  func base(_ name: String) -> String { String(name.split(separator: ".").first ?? Substring(name)) }

  func assertAgreesWithDrgn(_ vmcore: String, file: StaticString = #filePath, line: UInt = #line) throws {
    let ours = try stacks(vmcore)
    let reference = try drgnTasks(vmcore)
    struct Key: Hashable { var pid: Int32, comm: String, state: String }
    let oursByKey = Dictionary(
      ours.map { (Key(pid: $0.task.pid, comm: $0.task.comm, state: String($0.task.state)), $0) },
      uniquingKeysWith: { first, _ in first })
    var referenceKeys = Set<Key>()
    var compared = 0
    for task in reference {
      let key = Key(
        pid: Int32(task["pid"] as? Int ?? -1), comm: task["comm"] as? String ?? "",
        state: task["state"] as? String ?? "")
      referenceKeys.insert(key)
      guard let stack = oursByKey[key] else { continue }
      var names: [String] = []
      for frame in task["frames"] as? [[String: Any]] ?? [] {
        guard let name = frame["function"] as? String else { break }
        names.append(base(name))
      }
      let mine = stack.frames.prefix(names.count).map { base($0.function ?? "?") }
      XCTAssertEqual(mine, names, "\(vmcore): pid \(key.pid) \(key.comm)", file: file, line: line)
      compared += names.count
    }
    XCTAssertEqual(Set(oursByKey.keys), referenceKeys, vmcore, file: file, line: line)
    XCTAssertGreaterThan(compared, 3 * reference.count, vmcore, file: file, line: line)
  }

  func testSixOneTasksAndStacksEqualDrgnOnEveryScene() throws {
    for scenario in try LabScenes.runnable(on: .v6_1) where scenario.name != "deadlock" {
      let scene = try LabScenes.scene(scenario.name, on: .v6_1)
      try assertAgreesWithDrgn(scene.vmcore.path)
    }
    let filtered = try LabScenes.scene("hung-task", on: .v6_1, dump: .filtered)
    try assertAgreesWithDrgn(filtered.vmcore.path)
    let coroner = try LabScenes.scene("panic", on: .v6_1, capture: .kdumpCoroner)
    try assertAgreesWithDrgn(coroner.vmcore.path)
  }

  /// Where a whole stack may end: a kernel thread's start, the syscall entry, the
  /// idle task's start.
  static let bottoms: Set<String> = [
    "ret_from_fork", "ret_from_fork_asm", "entry_SYSCALL_64_after_hwframe", "common_startup_64",
    "secondary_startup_64", "secondary_startup_64_no_verify",
  ]

  func testEveryStackEndsAtItsBottomOnOtherKernels() throws {
    for kernel in [DebianKernel.v5_10, .v6_12, .sid] {
      let scene = try LabScenes.scene("panic", on: kernel)
      let stacks = try stacks(scene.vmcore.path)
      XCTAssertGreaterThan(stacks.count, 40)
      for stack in stacks {
        let last = stack.frames.last?.function ?? "nothing"
        XCTAssertTrue(
          Self.bottoms.contains(last), "\(kernel) pid \(stack.task.pid) \(stack.task.comm) ends at \(last)")
        XCTAssertNotEqual(stack.ending, .stopped(""), "\(kernel) pid \(stack.task.pid)")
        if case .stopped(let why) = stack.ending { XCTFail("\(kernel) pid \(stack.task.pid): \(why)") }
      }
      // The panicking task: the sysrq write that crashed the kernel, through panic.
      let panicking = try XCTUnwrap(stacks.first { $0.frames.contains { $0.function == "__crash_kexec" } })
      XCTAssertTrue(panicking.frames.contains { $0.function == "panic" }, "\(kernel)")
      XCTAssertTrue(panicking.frames.contains { $0.function == "sysrq_handle_crash" }, "\(kernel)")
    }
  }

  /// A QEMU dump has no crash notes: the running task unwinds from the vCPU's notes,
  /// through the panic path, every frame reliable, down to the syscall entry.
  func testQemuDumpsUnwindTheRunningTaskFromTheVcpuRegisters() throws {
    for kernel in DebianKernel.packaged {
      let scene = try LabScenes.scene("panic", on: kernel, capture: .qemuELF)
      let stacks = try stacks(scene.vmcore.path)
      let panicking = try XCTUnwrap(
        stacks.first { $0.task.runningOn != nil && $0.frames.contains { $0.function == "panic" } },
        "\(kernel)")
      XCTAssertEqual(panicking.start, "cpu \(panicking.task.runningOn ?? -1) registers")
      XCTAssertTrue(panicking.frames.contains { $0.function == "sysrq_handle_crash" }, "\(kernel)")
      XCTAssertEqual(panicking.frames.last?.function, "entry_SYSCALL_64_after_hwframe", "\(kernel)")
      XCTAssertTrue(panicking.frames.allSatisfy(\.frame.reliable), "\(kernel)")
      XCTAssertEqual(panicking.ending, .userMode, "\(kernel)")
    }
  }
}
