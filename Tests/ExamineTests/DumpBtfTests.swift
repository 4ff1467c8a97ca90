import Dump
import Foundation
import Kernel
import Lab
import Symbols
import XCTest

/// The kernel's own BTF read out of real lab dumps: the layouts the task and stack
/// readers depend on, checked against the kernel sources' declarations.
final class DumpBtfTests: XCTestCase {
  func testLabDumpBtfDescribesTaskStructOnEveryKernel() throws {
    for kernel in [DebianKernel.v6_1, .v6_12] {
      let scene = try LabScenes.scene("panic", on: kernel)
      let vmcore = try Vmcore.open(path: scene.vmcore.path)
      let symbols = try DumpKallsyms.read(vmcore)
      let btf = try DumpBtf.read(memory: try vmcore.kernelMemory(), symbols: symbols)
      XCTAssertGreaterThan(btf.count, 50_000, "\(kernel)")
      // include/linux/sched.h: char comm[TASK_COMM_LEN], TASK_COMM_LEN 16.
      let comm = try btf.field("task_struct.comm")
      XCTAssertEqual(try btf.size(of: comm.type), 16)
      XCTAssertEqual(try btf.name(of: try XCTUnwrap(btf.array(comm.type)).element), "char")
      // 5.14 renamed state to __state (unsigned int).
      let state = try btf.field(anyOf: ["task_struct.__state", "task_struct.state"])
      XCTAssertEqual(try btf.size(of: state.type), 4)
      XCTAssertThrowsError(try btf.field("task_struct.state"))
      // thread_info is task_struct's first member on x86 (THREAD_INFO_IN_TASK).
      XCTAssertEqual(try btf.field("task_struct.thread_info").offset, 0)
      // arch/x86/include/asm/switch_to.h: inactive_task_frame ends with ret_addr.
      let frame = try btf.structure("inactive_task_frame")
      let members = try btf.members(of: frame)
      XCTAssertEqual(members.last?.name, "ret_addr")
      XCTAssertEqual(try btf.field("inactive_task_frame.ret_addr").offset + 8, try btf.size(of: frame))
      // list_head: next then prev.
      XCTAssertEqual(try btf.members(of: try btf.structure("list_head")).map(\.name), ["next", "prev"])
      XCTAssertEqual(btf.enumValue("PIDTYPE_PID"), 0)
      // Per-CPU variables have VAR records: runqueues' offset is its kallsyms value.
      let runqueues = try XCTUnwrap(try btf.variable("runqueues"))
      XCTAssertEqual(runqueues.offset, symbols.address(of: "runqueues"))
      XCTAssertEqual(try btf.name(of: try btf.resolve(runqueues.type)), "rq")
    }
  }
}
