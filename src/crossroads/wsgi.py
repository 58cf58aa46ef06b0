import os

from django.core.wsgi import get_wsgi_application

os.umask(0o077)  # the database and anything else written is for this account only
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crossroads.settings")
application = get_wsgi_application()
