// publish_records: copies ring messages already built on the host (one 256-byte slot image
// per slot: `len` and `tag` at 8, payload at 16) into the ring's slots in mapped pinned
// host memory, and publishes each slot the way a CPU producer does: payload first, a
// system-wide fence, then the slot's `seq`.
//
// Sixteen threads (half a warp) own one slot: one 16-byte store each, so the payload goes
// over the link in aligned vector stores. A launch covers at most one ring's worth of
// slots, so every slot it waits for belongs to an earlier launch, which has published
// everything: waiting can never deadlock on a slot of the same launch.
//
// The layout constants (HEADER_SIZE, SLOT_SIZE, HEADER_READ, HEADER_CONTROL_FLAGS,
// FLAG_CONSUMER_ATTACHED) are generated from the Rust ring layout and prepended at
// start-up.

typedef unsigned int u32;
typedef unsigned long long u64;

constexpr u32 SLOT_THREADS = SLOT_SIZE / 16u;
static_assert(SLOT_THREADS == 16u, "half a warp per slot");

// Set in `status` when the consumer went away while a slot waited for room.
constexpr u32 STATUS_CONSUMER_GONE = 1u;

// Waits until the slot for `seq` is free: the consumer has read past `seq - slot_count`.
// `read_hint` is the consumer's read index as the host last saw it; the header is read
// only when that copy says the ring is full. Returns false if the consumer detached.
__device__ bool wait_for_room(const unsigned char* ring, u64 seq, u64 slot_count,
                              u64 read_hint) {
    if (seq < read_hint + slot_count) {
        return true;
    }
    const volatile u64* read = (const volatile u64*)(ring + HEADER_READ);
    const volatile u32* flags = (const volatile u32*)(ring + HEADER_CONTROL_FLAGS);
    while (seq >= *read + slot_count) {
        if ((*flags & FLAG_CONSUMER_ATTACHED) == 0u) {
            return false;
        }
        __nanosleep(1000);
    }
    // The consumer's reads of the slot happen before its index store; order this
    // side's overwrite after the load that saw it.
    __threadfence_system();
    return true;
}

extern "C" __global__ void __launch_bounds__(256)
publish_records(unsigned char* ring, const uint4* __restrict__ images, u64 first_seq,
                u32 slots, u64 slot_count, u64 read_hint, u32* status) {
    const u32 thread = blockIdx.x * blockDim.x + threadIdx.x;
    const u32 slot = thread / SLOT_THREADS;
    const u32 part = thread % SLOT_THREADS;
    if (slot >= slots) {
        // Whole half-warps leave together: `slots * SLOT_THREADS` is a multiple of 16.
        return;
    }
    const u32 group = 0xffffu << (threadIdx.x & 16u);
    const u64 seq = first_seq + slot;
    u32 room = 1u;
    if (part == 0u) {
        room = wait_for_room(ring, seq, slot_count, read_hint) ? 1u : 0u;
        if (room == 0u) {
            atomicOr(status, STATUS_CONSUMER_GONE);
        }
    }
    room = __shfl_sync(group, room, threadIdx.x & 16u, 32);
    if (room == 0u) {
        return;
    }
    unsigned char* target = ring + HEADER_SIZE + (seq & (slot_count - 1ull)) * SLOT_SIZE;
    const uint4 image = images[(u64)slot * SLOT_THREADS + part];
    if (part == 0u) {
        // `len` and `tag` share the first 16 bytes with `seq`, which is stored last.
        *(u64*)(target + 8) = ((u64)image.w << 32) | image.z;
    } else {
        *(uint4*)(target + 16u * part) = image;
    }
    // Every thread's stores reach the host before the group's `seq` store below.
    __threadfence_system();
    __syncwarp(group);
    if (part == 0u) {
        *(volatile u64*)target = seq;
    }
}
