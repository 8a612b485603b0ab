import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "procurement.settings")
application = get_wsgi_application()
# What start-up loaded lives as long as the process: keep it out of the cyclic garbage
# collector, whose full collections would otherwise walk it again and again (~0.6 ms of CPU per
# API intake, measured with gc.callbacks; bench/inbox.py's senders do the same).
gc.freeze()
