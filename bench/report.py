"""Reporting: each measured request against its target, and how long bakes, installs and
suites took, as Markdown tables."""

from dataclasses import dataclass

from bench.load import Measurement

TARGETS = {"user": 0.9, "list": 0.8}
P99_TARGET = 1.2
REQUESTS = {
    "user": "cached single-user read",
    "list": "list page (admin)",
}


@dataclass
class Row:
    framework: str
    backend: str
    request: str
    generated: Measurement
    reference: Measurement

    @property
    def ratio(self) -> float:
        return self.generated.requests_per_second / self.reference.requests_per_second

    @property
    def cpu_ratio(self) -> float:
        return self.generated.cpu_us_per_request / self.reference.cpu_us_per_request

    @property
    def p99_ratio(self) -> float:
        return self.generated.p99_ms / self.reference.p99_ms

    @property
    def met(self) -> bool:
        return (
            self.ratio >= TARGETS[self.request]
            and self.p99_ratio <= P99_TARGET
            and self.generated.errors == 0
            and self.reference.errors == 0
        )


@dataclass
class Timings:
    bake: float
    install: float


def show_table(rows: list[Row]) -> None:
    print(
        "| framework | backend | request | req/s gen / ref | ratio | p50 ms gen / ref "
        "| p99 ms gen / ref | p99 ratio | errors gen / ref | CPU µs/req gen / ref | CPU ratio "
        "| target |"
    )
    print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for row in rows:
        g, r = row.generated, row.reference
        target = f"≥ {TARGETS[row.request]}×, p99 ≤ {P99_TARGET}×, no errors"
        print(
            f"| {row.framework} | {row.backend} | {REQUESTS[row.request]} "
            f"| {g.requests_per_second:,.0f} / {r.requests_per_second:,.0f} | {row.ratio:.2f} "
            f"| {g.p50_ms:.1f} / {r.p50_ms:.1f} | {g.p99_ms:.1f} / {r.p99_ms:.1f} "
            f"| {row.p99_ratio:.2f} | {g.errors} / {r.errors} "
            f"| {g.cpu_us_per_request:,.0f} / {r.cpu_us_per_request:,.0f} | {row.cpu_ratio:.2f} "
            f"| {'met' if row.met else 'missed'} ({target}) |"
        )


def show_timings(timings: dict[str, Timings], suites: dict[str, tuple[float, bool]]) -> None:
    """Each dependency set's bake and install, and its own suite's run (seconds, passed)."""
    print("\n| dependency set | bake s | install s | own suite s |")
    print("|---|---:|---:|---:|")
    for set_id, timing in timings.items():
        suite = suites.get(set_id)
        shown = "-" if suite is None else f"{suite[0]:.0f}{'' if suite[1] else ' FAILED'}"
        print(f"| {set_id} | {timing.bake:.1f} | {timing.install:.1f} | {shown} |")


def show_bake_times(bakes: list[tuple[str, float]]) -> None:
    print("\n| combination | bake s |")
    print("|---|---:|")
    for combination, seconds in bakes:
        print(f"| {combination} | {seconds:.2f} |")
