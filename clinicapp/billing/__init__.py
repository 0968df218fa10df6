def init_app(app):
    from . import sandbox_views

    app.register_blueprint(sandbox_views.bp)
