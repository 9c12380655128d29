import Foundation

/// Floats placed so that the last one ends exactly where an inaccessible (PROT_NONE) page
/// begins: any read or write past the end crashes the test instead of passing silently.
final class GuardedBuffer {
    let pointer: UnsafeMutablePointer<Float>
    let count: Int
    private let mapping: UnsafeMutableRawPointer
    private let mappingSize: Int

    init(_ values: [Float]) {
        count = values.count
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let dataBytes = max(values.count, 1) * MemoryLayout<Float>.stride
        let dataPages = (dataBytes + page - 1) / page
        mappingSize = (dataPages + 1) * page
        mapping = mmap(nil, mappingSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)!
        precondition(mapping != MAP_FAILED)
        let guardPage = mapping + dataPages * page
        precondition(mprotect(guardPage, page, PROT_NONE) == 0)
        pointer = (guardPage - values.count * MemoryLayout<Float>.stride).bindMemory(to: Float.self, capacity: values.count)
        pointer.update(from: values, count: values.count)
    }

    var values: [Float] { Array(UnsafeBufferPointer(start: pointer, count: count)) }

    deinit { munmap(mapping, mappingSize) }
}
