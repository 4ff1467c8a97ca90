import XCTest

@testable import KernelLog

/// Register dumps and traces of the architectures whose `show_regs()` and
/// `show_trace()` print in shapes of their own.
final class ArchitectureTraceTests: XCTestCase {
  /// m68k: `Stack from ADDR:` heads raw stack words, and the first frame is printed on
  /// the `Call Trace:` line itself.
  func testM68kStackWordsAndCallTraceLine() throws {
    let oops = try report([
      "Unable to handle kernel NULL pointer dereference at virtual address 00000000",
      "Oops: 00000000",
      "PC: [<000593d6>] __raw_spin_lock_init+0x6/0x1c",
      "SR: 2000  SP: 0086bef8  a2: 0086f440",
      "Process swapper (pid: 0, task=0086f440)",
      "Stack from 0086bf60:",
      "        0099d64c 00000000 007ff7a1 0092e6c0 00000002 008eed3c 00938c60 0099cf92",
      "Call Trace: [<0099d64c>] ss_rstat_init+0x5a/0x66",
      " [<0099cf92>] cgroup_init_subsys+0x102/0x1b4",
      " [<0099d300>] cgroup_init+0x18e/0x47c",
    ])
    XCTAssertEqual(oops.title, "BUG: unable to handle kernel NULL pointer dereference in ss_rstat_init")
    XCTAssertEqual(
      oops.frames.map(\.function),
      ["__raw_spin_lock_init", "ss_rstat_init", "cgroup_init_subsys", "cgroup_init"])
    XCTAssertNil(StackFrame.parse("Stack from 0086bf60:"))
    XCTAssertEqual(
      StackFrame.parse(" unwind_backtrace from show_stack+0x10/0x14")?.function, "unwind_backtrace")
  }

  /// sparc64: the faulting function is on the `TPC:` line only; the trace starts at
  /// its caller.
  func testSparc64TrapPC() throws {
    let fault = try report([
      "Unable to handle kernel paging request at virtual address 00000001108ca000",
      "tsk->{mm,active_mm}->context = 0000000000000555",
      "TSTATE: 0000000011001606 TPC: 00000000007a5800 TNPC: 00000000007a5804 Y: 00000000    Not tainted",
      "TPC: <lookup_swap_cgroup_id+0x40/0x80>",
      "g0: fff000023f800040 g1: 0000000010000000 g2: 00000001008ca000 g3: 000000000153a8b8",
      "RPC: <0x0>",
      "I7: <swap_pte_batch+0x40/0x160>",
      "Call Trace:",
      "[<00000000007173e0>] swap_pte_batch+0x40/0x160",
      "[<0000000000719998>] unmap_page_range+0x718/0x1200",
    ])
    XCTAssertEqual(fault.title, "BUG: unable to handle kernel paging request in lookup_swap_cgroup_id")
    let caller = StackTraceReader.registerFrame(
      in: "I7: <swap_pte_batch+0x40/0x160>", names: StackTraceReader.linkRegisterNames)
    XCTAssertEqual(caller?.function, "swap_pte_batch")
  }
}
