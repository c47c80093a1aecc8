//! Micro-benchmark of the service's admission of a call's webhook ([`Admission::enter`]): taking
//! a free slot and giving it back, which every webhook of a call does on its way in, with no
//! other slot taken and with half of them held.
//!
//! Run:
//!
//! ```text
//! cargo bench --bench admission -- --warm-up-time 1 --measurement-time 3
//! ```

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use ivrpay::http::admission::{Admission, AdmissionLimits, Arrival};

fn admission(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("runtime");
    let admission = Arc::new(Admission::new(AdmissionLimits::default()));
    c.bench_function("admission/enter_and_leave", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let slot = black_box(admission.enter(Arrival::CallUnderWay).await);
                drop(slot);
            });
        });
    });
    // Half the slots held elsewhere, as under load: the fast path still finds one free.
    let held: Vec<_> = (0..AdmissionLimits::default().in_flight / 2)
        .filter_map(|_| runtime.block_on(admission.enter(Arrival::CallUnderWay)))
        .collect();
    c.bench_function("admission/enter_and_leave_half_full", |b| {
        b.iter(|| {
            runtime.block_on(async {
                let slot = black_box(admission.enter(Arrival::CallUnderWay).await);
                drop(slot);
            });
        });
    });
    drop(held);
}

criterion_group!(benches, admission);
criterion_main!(benches);
