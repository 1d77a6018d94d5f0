from ninja import Router

router = Router(tags=["visits"])
