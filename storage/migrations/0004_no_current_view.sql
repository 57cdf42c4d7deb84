-- Which version of a strike period is current is the domain's rule (bot/domain/releases.py), not a view.
DROP VIEW IF EXISTS current_releases;
