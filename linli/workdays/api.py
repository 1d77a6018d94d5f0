from ninja import Router

router = Router(tags=["workdays"])
