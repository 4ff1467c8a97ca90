// swift-tools-version:6.0
// Coroner: the black box and the coroner of a dead Linux kernel.
// The library targets are the architecture of docs/design.md: evidence flows
// bytes -> records -> reports -> store.
import PackageDescription

let package = Package(
  name: "coroner",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "coroner", targets: ["coroner"]),
    .library(name: "KernelLog", targets: ["KernelLog"]),
    .library(name: "Dump", targets: ["Dump"]),
    .library(name: "Kernel", targets: ["Kernel"]),
    .library(name: "Lab", targets: ["Lab"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
  ],
  targets: [
    // Console text -> LogRecord -> CrashReport. Depends on nothing.
    .target(name: "KernelLog"),
    // vmcore bytes -> physical memory -> kernel virtual memory -> printk records.
    .target(name: "Dump", dependencies: ["KernelLog", "CZlib"], exclude: ["README.md"]),
    // Addresses -> names and source lines.
    .target(name: "Symbols", dependencies: ["Dump", "CZlib"], exclude: ["README.md"]),
    // Kernel objects read through the dump's own kallsyms and BTF: tasks, CPUs, ORC
    // stacks. Apart from Dump because it needs Symbols (kallsyms, BTF), which needs Dump.
    .target(name: "Kernel", dependencies: ["Dump", "Symbols"], exclude: ["README.md"]),
    // The live host: doctor, arm, capture writer, pstore.
    .target(name: "Capture", dependencies: ["Dump", "KernelLog", "CZlib", "CKexec"]),
    // The system zlib (zlib1g-dev): dump pages, compressed sections, pstore records.
    // zstd, lzo and snappy are loaded at run time (see Dump/PageCodec.swift).
    .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
    // kexec_file_load(2): no glibc wrapper, and Swift cannot call the variadic syscall(2).
    .target(name: "CKexec"),
    // Netconsole receiver, ingest, buckets.
    .target(name: "Collector", dependencies: ["KernelLog"]),
    // QEMU, kernels, initramfs, detonators, scenarios.
    .target(name: "Lab", resources: [.copy("Detonators")]),
    .executableTarget(
      name: "coroner",
      dependencies: [
        "KernelLog", "Dump", "Symbols", "Kernel", "Capture", "Collector", "Lab",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]
    ),
    .testTarget(name: "KernelLogTests", dependencies: ["KernelLog"], resources: [.copy("Fixtures")]),
    .testTarget(
      name: "DumpTests", dependencies: ["Dump", "KernelLog", "CZlib", "Lab"],
      resources: [.copy("Fixtures")]),
    .testTarget(name: "SymbolsTests", dependencies: ["Symbols"], resources: [.copy("Fixtures")]),
    .testTarget(name: "CaptureTests", dependencies: ["Capture", "Lab"], resources: [.copy("Fixtures")]),
    .testTarget(name: "KernelTests", dependencies: ["Kernel"]),
    .testTarget(name: "CollectorTests", dependencies: ["Collector", "KernelLog"]),
    .testTarget(name: "LabTests", dependencies: ["Lab", "Dump", "KernelLog"]),
    // The joins: examine over vmcores, kallsyms from dumps, lab scenes.
    .testTarget(
      name: "ExamineTests", dependencies: ["coroner", "Dump", "KernelLog", "Symbols", "Kernel", "Lab"]),
  ],
  swiftLanguageModes: [.v5]
)
