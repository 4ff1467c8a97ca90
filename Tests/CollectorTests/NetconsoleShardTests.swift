import Foundation
import KernelLog
import XCTest

@testable import Collector

/// A sink that holds the shard's worker inside its first `deliver(_ counts:)` until the
/// test lets it go, and adds up every count it is given.
private final class HoldingSink: NetconsoleSink, @unchecked Sendable {
  let entered = DispatchSemaphore(value: 0)
  let proceed = DispatchSemaphore(value: 0)
  private let lock = NSLock()
  private var held = false
  private var total = NetconsoleHostCounts()

  func deliver(_ arrivals: [CrashArrival]) {}

  func deliver(_ counts: [String: NetconsoleHostCounts]) {
    lock.lock()
    for count in counts.values { total.add(count) }
    let first = !held
    held = true
    lock.unlock()
    if first {
      entered.signal()
      proceed.wait()
    }
  }

  var counts: NetconsoleHostCounts {
    lock.lock()
    defer { lock.unlock() }
    return total
  }
}

final class NetconsoleShardTests: XCTestCase {
  /// The listener hands a shard one batch per socket read. While the worker is busy it
  /// must not be signalled for each (a futex call and a contended lock each time, a
  /// quarter of the collector's CPU before): it takes everything queued when it is done.
  func testBatchesQueuedWhileTheWorkerIsBusyWakeNothingAndAreAllCounted() {
    let sink = HoldingSink()
    let shard = NetconsoleShard(
      index: 0, sink: sink, metrics: CollectorMetrics(), markers: ReportMarkers(),
      limits: ReportCutter.Limits(), queueLimit: 10_000)
    shard.start()
    var forge = NetconsoleForge()
    func batch(_ count: Int) -> [NetconsoleShard.Datagram] {
      var datagrams: [NetconsoleShard.Datagram] = []
      for _ in 0..<count {
        let number = forge.sequence
        let payload = forge.payloads(text: "record \(number)", timestampMicroseconds: number * 1000)
        datagrams.append(NetconsoleShard.Datagram(source: "10.0.0.1", payload: payload[0], refusal: nil))
      }
      return datagrams
    }

    // The first batch's counts are published at once: the worker is then held in the sink.
    XCTAssertEqual(shard.enqueue(batch(1)).count, 0)
    XCTAssertEqual(sink.entered.wait(timeout: .now() + 60), .success, "the worker never published its counts")
    let wakeupsWhileIdle = shard.wakeupCount
    XCTAssertLessThanOrEqual(wakeupsWhileIdle, 1)

    for _ in 0..<10 { XCTAssertEqual(shard.enqueue(batch(50)).count, 0, "the queue has room for all") }
    XCTAssertEqual(shard.wakeupCount, wakeupsWhileIdle, "a busy worker is not signalled")

    sink.proceed.signal()
    shard.stop()
    let counts = sink.counts
    XCTAssertEqual(counts.messages, 501, "every record queued while the worker was busy is read")
    XCTAssertEqual(counts.datagrams, 501)
    XCTAssertEqual(counts.lost, 0)
    XCTAssertEqual(counts.lastSequence, 500)
  }

  /// Past the queue limit a batch is refused from the first datagram that does not fit.
  func testAFullQueueRefusesTheRestOfABatch() {
    let sink = HoldingSink()
    let shard = NetconsoleShard(
      index: 0, sink: sink, metrics: CollectorMetrics(), markers: ReportMarkers(),
      limits: ReportCutter.Limits(), queueLimit: 10)
    shard.start()
    var forge = NetconsoleForge()
    func datagram() -> NetconsoleShard.Datagram {
      let number = forge.sequence
      let payload = forge.payloads(text: "record \(number)", timestampMicroseconds: number * 1000)
      return NetconsoleShard.Datagram(source: "10.0.0.2", payload: payload[0], refusal: nil)
    }
    XCTAssertEqual(shard.enqueue([datagram()]).count, 0)
    XCTAssertEqual(sink.entered.wait(timeout: .now() + 60), .success, "the worker never published its counts")
    let refused = shard.enqueue((0..<15).map { _ in datagram() })
    XCTAssertEqual(refused.count, 5)
    XCTAssertEqual(refused.first?.payload, Array("6.1.0-56-amd64,4,11,11000,-;record 11\n".utf8))
    sink.proceed.signal()
    shard.stop()
    // Records 11-15 never reached the host's stream: nothing after them tells it of a gap.
    XCTAssertEqual(sink.counts.messages, 11)
  }
}
