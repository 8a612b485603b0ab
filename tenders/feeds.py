"""Atom feed of newly published tenders, all of them or one CPV subtree (``?cpv=4521``)."""

from datetime import datetime

from django.contrib.syndication.views import Feed
from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from procurement.core.timeutil import BERLIN
from tenders.models import Tender
from tenders.portal_forms import CPV_PREFIX_RE, choice_label
from tenders.portal_selectors import tender_feed_items

FEED_LENGTH = 50


class TenderFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest) -> str:
        cpv = request.GET.get("cpv", "").replace(" ", "")
        if cpv and not CPV_PREFIX_RE.match(cpv):
            raise Http404(_("A CPV feed takes 2 to 8 digits of a CPV code, e.g. ?cpv=4521."))
        return cpv.split("-", 1)[0]

    def title(self, obj: str) -> str:
        if obj:
            return _("zuschlag: newly published tenders, CPV %(cpv)s…") % {"cpv": obj}
        return _("zuschlag: newly published tenders")

    def subtitle(self, obj: str) -> str:
        return _("Tenders published on the zuschlag portal; documents free without registration.")

    def link(self, obj: str) -> str:
        url = reverse("portal-list")
        return f"{url}?cpv={obj}" if obj else url

    def feed_url(self, obj: str) -> str:
        url = reverse("portal-feed")
        return f"{url}?cpv={obj}" if obj else url

    def items(self, obj: str) -> list[Tender]:
        return tender_feed_items(cpv_prefix=obj, limit=FEED_LENGTH)

    def item_title(self, item: Tender) -> str:
        return f"{item.reference}: {item.title}"

    def item_description(self, item: Tender) -> str:
        deadline = (
            item.submission_deadline.astimezone(BERLIN).strftime("%Y-%m-%d %H:%M %Z")
            if item.submission_deadline
            else "—"
        )
        return _(
            "%(authority)s · %(type)s · %(procedure)s · CPV %(cpv)s · deadline %(deadline)s"
        ) % {
            "authority": item.authority.name,
            "type": choice_label("contract_type", item.contract_type),
            "procedure": choice_label("procedure", item.procedure),
            "cpv": item.cpv_main,
            "deadline": deadline,
        }

    def item_link(self, item: Tender) -> str:
        return reverse("portal-detail", args=[item.reference])

    def item_guid(self, item: Tender) -> str:
        return f"urn:uuid:{item.public_id}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Tender) -> datetime:
        return item.published_at

    def item_updateddate(self, item: Tender) -> datetime:
        return item.published_at

    def item_author_name(self, item: Tender) -> str:
        return item.authority.name

    def item_categories(self, item: Tender) -> list[str]:
        return [item.cpv_main, *item.cpv_additional]
