"""Phase 3 of a sync: every page of `/search/ids`, to find runs deleted at SmashRun (each
confirmed one by one before it is marked deleted) and runs the search never showed us."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from streakcore.errors import SmashRunNotFound, StreakError
from streakcore.ports import Batch, SearchPage
from streakcore.usecases.sync.base import SyncBase
from streakcore.usecases.sync.plan import (
    SWEEP_SAMPLE,
    SweepPlan,
    merge_page,
    payload_digest,
    plan_sweep,
)
from streakcore.usecases.sync.splits import SplitFetcher


class SweepPhase(SyncBase):
    def _sweep_phase(self, fetcher: SplitFetcher, pool: ThreadPoolExecutor) -> None:
        cp = self.checkpoint
        sweep = cp.start_sweep()
        live = self.store.live_ids()
        # Pages certain to be full (nothing deleted) are asked together; the rest in turn.
        expected_pages = len(live) // self.source.page_size + 1
        fetched = 0
        try:
            while not sweep.complete():
                self._check_time()
                wanted = sweep.next_pages(expected_pages, self.options.concurrency)
                asked = [(n, pool.submit(self.source.activity_ids, n)) for n in wanted]
                failure: StreakError | None = None
                for number, future in asked:
                    try:
                        ids = future.result()
                    except StreakError as exc:
                        failure = failure or exc
                        continue
                    sweep.add(number, list(ids), self.source.page_size)
                    fetched += 1
                    self.tally.answers += 1
                if failure is not None:
                    raise failure
                self._report_progress("sweep", len(sweep.pages), None)
        finally:
            if fetched:
                # The pages read so far are kept, so a stop does not read them again.
                self._apply(Batch())
        plan = plan_sweep(sweep.seen(), live, set(cp.rejected))
        if plan.warning:
            self.tally.warnings.append(plan.warning)
        if plan.trusted:
            self._reconcile(plan, fetcher)
        cp.sweep = None
        self._apply(Batch())

    def _reconcile(self, plan: SweepPlan, fetcher: SplitFetcher) -> None:
        candidates = plan.candidates
        if plan.sample_first:
            sample = candidates[:SWEEP_SAMPLE]
            if not all(self._confirm_gone(i, fetcher) for i in sample):
                self.tally.warnings.append(
                    f"SmashRun's id list left out {len(candidates)} stored runs but still has "
                    "the ones we checked; nothing was marked deleted"
                )
                return
            self._delete(sample)
            candidates = candidates[SWEEP_SAMPLE:]
        for activity_id in candidates:
            if self._confirm_gone(activity_id, fetcher):
                self._delete([activity_id])
        for activity_id in plan.unknown:
            self._check_time()
            self._take_detail(activity_id, fetcher)

    def _confirm_gone(self, activity_id: str, fetcher: SplitFetcher) -> bool:
        self._check_time()
        page = self._detail(activity_id)
        if page is None:
            return True
        self._store_page(page, fetcher)
        return False

    def _take_detail(self, activity_id: str, fetcher: SplitFetcher) -> None:
        page = self._detail(activity_id)
        if page is not None:  # else deleted between the sweep and now
            self._store_page(page, fetcher, requested_id=activity_id)

    def _detail(self, activity_id: str) -> SearchPage | None:
        """The run as SmashRun has it now; None when SmashRun says it has gone."""
        try:
            page = self.source.activity(activity_id)
        except SmashRunNotFound:
            page = None
        # A 404 is SmashRun answering too: it counts towards `last_sync`.
        self.tally.answers += 1
        return page

    def _store_page(
        self, page: SearchPage, fetcher: SplitFetcher, requested_id: str | None = None
    ) -> None:
        merge = merge_page(page, self.store.fingerprints(), rejected=self.checkpoint.rejected)
        if requested_id is not None and page.rejected and not page.accepted:
            # A payload too broken to name its id is remembered under the id we asked for.
            merge.rejected.setdefault(requested_id, payload_digest(page.rejected[0].payload))
        self._store_merge(merge, fetcher)

    def _delete(self, ids: Sequence[str]) -> None:
        self.checkpoint.forget(ids)
        self._apply(Batch(deleted_ids=list(ids)))
        self.tally.deleted += len(ids)
