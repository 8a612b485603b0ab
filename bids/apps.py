from django.apps import AppConfig


class BidsConfig(AppConfig):
    name = "bids"

    def ready(self) -> None:
        from bids.services.opening import opening_resume_due, opening_resume_fire
        from workflows.timers import register_deadline

        # An opening interrupted by a crash (k shares in, bids partly decrypted) is finished by
        # the next timer tick: opening_run is idempotent and resumes where it stopped.
        register_deadline("bids.opening_resume", opening_resume_due, opening_resume_fire)
