"""Quart blueprints: the customer pages, the staff pages, the JSON API, health."""

from __future__ import annotations

from quart import Quart


def register_routes(app: Quart) -> None:
    """Attach every blueprint and the error handlers."""
    from hub.routes import (
        account,
        admin,
        alerts,
        answers,
        api,
        attachments,
        branding,
        customer,
        delivery,
        errors,
        exports,
        first_run,
        headers,
        health,
        kiosks,
        moderation,
        operator,
        printables,
        rules,
        setup,
        setup_pages,
        staff,
        stats,
        surveys,
        triage,
        users,
    )

    errors.register(app)
    headers.register(app)
    app.register_blueprint(health.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(attachments.bp)
    app.register_blueprint(customer.bp)
    app.register_blueprint(staff.bp)
    app.register_blueprint(rules.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(moderation.bp)
    app.register_blueprint(delivery.bp)
    app.register_blueprint(branding.bp)
    app.register_blueprint(stats.bp)
    app.register_blueprint(triage.bp)
    app.register_blueprint(kiosks.bp)
    app.register_blueprint(users.bp)
    app.register_blueprint(account.bp)
    app.register_blueprint(first_run.bp)
    app.register_blueprint(operator.pages)
    app.register_blueprint(operator.api)
    app.register_blueprint(setup.bp)
    app.register_blueprint(setup_pages.bp)
    app.register_blueprint(answers.bp)
    app.register_blueprint(alerts.bp)
    app.register_blueprint(printables.bp)
    app.register_blueprint(exports.bp)
    app.register_blueprint(surveys.bp)
