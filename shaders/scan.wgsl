// Workgroup scans and the passes that carry them across levels: inclusive scans of block
// transition functions with their last ESC (composition, not commutative, so order is
// kept) and of block record sizes (addition).

const SCAN_IDENTITY: vec4<u32> = vec4<u32>(IDENTITY, 0u, 0u);

var<workgroup> shared_functions: array<vec4<u32>, WORKGROUP>;
var<workgroup> shared_counts: array<u32, WORKGROUP>;

// Inclusive scan of one value per invocation, earlier invocations first.
fn scan_functions(local: u32, value: vec4<u32>) -> vec4<u32> {
    var acc = value;
    shared_functions[local] = acc;
    workgroupBarrier();
    for (var step = 1u; step < WORKGROUP; step <<= 1u) {
        var earlier = SCAN_IDENTITY;
        if local >= step {
            earlier = shared_functions[local - step];
        }
        workgroupBarrier();
        acc = combine(earlier, acc);
        shared_functions[local] = acc;
        workgroupBarrier();
    }
    return acc;
}

fn scan_counts(local: u32, value: u32) -> u32 {
    var acc = value;
    shared_counts[local] = acc;
    workgroupBarrier();
    for (var step = 1u; step < WORKGROUP; step <<= 1u) {
        var earlier = 0u;
        if local >= step {
            earlier = shared_counts[local - step];
        }
        workgroupBarrier();
        acc += earlier;
        shared_counts[local] = acc;
        workgroupBarrier();
    }
    return acc;
}

// Scans one level of workgroup totals in place; each workgroup's total goes up a level.
@compute @workgroup_size(WORKGROUP)
fn scan_function_level(
    @builtin(global_invocation_id) global: vec3<u32>,
    @builtin(local_invocation_id) local: vec3<u32>,
    @builtin(workgroup_id) group: vec3<u32>,
) {
    let index = global.x;
    var value = SCAN_IDENTITY;
    if index < level.count {
        value = function_scan[level.offset + index];
    }
    let scanned = scan_functions(local.x, value);
    if index < level.count {
        function_scan[level.offset + index] = scanned;
    }
    if local.x == WORKGROUP - 1u {
        function_scan[level.next_offset + group.x] = scanned;
    }
}

// Prepends the scanned total of all earlier workgroups (one level up, already complete).
@compute @workgroup_size(WORKGROUP)
fn add_function_level(
    @builtin(global_invocation_id) global: vec3<u32>,
    @builtin(workgroup_id) group: vec3<u32>,
) {
    let index = global.x;
    if index < level.count && group.x > 0u {
        let earlier = function_scan[level.next_offset + group.x - 1u];
        function_scan[level.offset + index] = combine(earlier, function_scan[level.offset + index]);
    }
}

@compute @workgroup_size(WORKGROUP)
fn scan_count_level(
    @builtin(global_invocation_id) global: vec3<u32>,
    @builtin(local_invocation_id) local: vec3<u32>,
    @builtin(workgroup_id) group: vec3<u32>,
) {
    let index = global.x;
    var value = 0u;
    if index < level.count {
        value = count_scan[level.offset + index];
    }
    let scanned = scan_counts(local.x, value);
    if index < level.count {
        count_scan[level.offset + index] = scanned;
    }
    if local.x == WORKGROUP - 1u {
        count_scan[level.next_offset + group.x] = scanned;
    }
}

@compute @workgroup_size(WORKGROUP)
fn add_count_level(
    @builtin(global_invocation_id) global: vec3<u32>,
    @builtin(workgroup_id) group: vec3<u32>,
) {
    let index = global.x;
    if index < level.count && group.x > 0u {
        count_scan[level.offset + index] += count_scan[level.next_offset + group.x - 1u];
    }
}
