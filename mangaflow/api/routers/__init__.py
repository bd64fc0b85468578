"""One router per product (and the platform's); ``mangaflow.api.app.ROUTERS`` lists them."""
