"""Counter arithmetic: wraps, resets and restarts never produce a spike (pure logic)."""

from __future__ import annotations

from monitord.snmp.rates import RatePoll, Sample, TargetCounters, counter_delta, rebooted

WRAP32 = 1 << 32


def test_plain_increase() -> None:
    assert counter_delta(Sample(100, 64), Sample(250, 64)) == 150


def test_32bit_wrap_is_the_wrapped_distance() -> None:
    assert counter_delta(Sample(WRAP32 - 10, 32), Sample(5, 32)) == 15


def test_32bit_decrease_too_large_for_the_line_is_a_reset_not_a_wrap() -> None:
    # Wrapping from 1000 to 10 would mean ~4 GB in one interval; on a 1 Mb/s limit that is impossible.
    assert counter_delta(Sample(1000, 32), Sample(10, 32), max_delta=125_000 * 60 * 1.5) is None
    # Without a speed, a wrapped delta above half the range is also not believed.
    assert counter_delta(Sample(1000, 32), Sample(10, 32)) is None


def test_64bit_decrease_is_a_reset() -> None:
    assert counter_delta(Sample(10_000, 64), Sample(5, 64)) is None


def test_width_change_is_not_comparable() -> None:
    assert counter_delta(Sample(10, 32), Sample(20, 64)) is None


def test_reboot_detection() -> None:
    assert rebooted(prev_ticks=50_000, ticks=1_000, elapsed_s=60) is True  # went backwards
    assert rebooted(prev_ticks=50_000, ticks=56_000, elapsed_s=60) is False  # normal progress
    # Up for 10 s although the last poll was 60 s ago: restarted in between, even though larger.
    assert rebooted(prev_ticks=500, ticks=1_000, elapsed_s=60) is True
    # sysUpTime wrapping after 497 days is not a restart.
    assert rebooted(prev_ticks=WRAP32 - 3_000, ticks=3_000, elapsed_s=60) is False


def test_rate_poll_skips_rates_across_a_reboot_and_resumes_after() -> None:
    state = TargetCounters()
    first = RatePoll(state, now=100.0, uptime_ticks=10_000)
    assert first.rate("1", "in_octets", Sample(1_000, 64)) is None  # no baseline yet
    first.commit()
    second = RatePoll(state, now=110.0, uptime_ticks=11_000)
    assert second.rate("1", "in_octets", Sample(2_000, 64)) == 100.0
    second.commit()
    restarted = RatePoll(state, now=120.0, uptime_ticks=200)
    assert restarted.reboot
    assert restarted.rate("1", "in_octets", Sample(50, 64)) is None
    restarted.commit()
    after = RatePoll(state, now=130.0, uptime_ticks=1_200)
    assert not after.reboot
    assert after.rate("1", "in_octets", Sample(1_050, 64)) == 100.0


def test_partial_poll_keeps_old_baselines_with_their_own_time() -> None:
    state = TargetCounters()
    first = RatePoll(state, now=0.0, uptime_ticks=100_000)
    first.rate("1", "in_octets", Sample(0, 64))
    first.commit()
    partial = RatePoll(state, now=10.0, uptime_ticks=101_000)  # interfaces walk failed this time
    partial.commit(keep_unseen=True)
    third = RatePoll(state, now=20.0, uptime_ticks=102_000)
    assert third.rate("1", "in_octets", Sample(2_000, 64)) == 100.0  # over 20 s, not 10 s


def test_interface_discontinuity_resets_only_that_series() -> None:
    state = TargetCounters()
    first = RatePoll(state, now=0.0, uptime_ticks=100_000)
    first.interface_reset("1", 0)
    first.rate("1", "in_octets", Sample(0, 64))
    first.commit()
    second = RatePoll(state, now=10.0, uptime_ticks=101_000)
    reset = second.interface_reset("1", 100_500)
    assert reset
    assert second.rate("1", "in_octets", Sample(10, 64), reset=reset) is None
