import CHeap

/// How koopack asks the C allocator to grow its heaps.
enum ProcessMemory {
    /// How far a heap grows beyond what an allocation needs: 64 MiB, the most one of glibc's
    /// per-thread heaps holds.
    static let heapGrowthPad: Int32 = 64 << 20

    /// Makes each heap grow in one step rather than a page at a time. glibc grows the heap of a
    /// worker thread's arena by exactly what an allocation lacks, one `mprotect` call each time:
    /// an audit of 10,000 images, judged on all cores, made 9,835 such calls, about a tenth of
    /// its time. With the pad a new heap is made writable whole; its pages still cost nothing
    /// until they are used. Called before any thread starts, so every arena gets it. (Setting
    /// the pad also stops glibc raising its mmap threshold as large blocks are freed: blocks past
    /// 128 KiB stay mapped one by one, which is how koopack's large buffers are used.)
    static func reserveHeapGrowth() {
        _ = koopack_heap_growth_pad(heapGrowthPad)
    }
}
