using ActorTracing.Domain.Otlp;

namespace ActorTracing.Domain.Tests.Otlp;

public sealed class BodyLeaseSpec
{
    [Fact]
    public void The_array_goes_back_with_the_last_reference_not_before()
    {
        var lease = BodyLease.Rent(100);
        lease.AddReference();
        lease.AddReference();

        lease.Release();
        lease.Release();
        Assert.False(lease.Returned);
        Assert.Equal(100, lease.Memory.Length);

        lease.Release();
        Assert.True(lease.Returned);
        Assert.Throws<ObjectDisposedException>(() => lease.Memory);
    }

    [Fact]
    public void A_released_body_takes_no_new_holder_and_is_not_released_twice()
    {
        var lease = BodyLease.Rent(10);
        lease.Release();

        Assert.Throws<InvalidOperationException>(lease.AddReference);
        Assert.Throws<InvalidOperationException>(lease.Release);
    }

    [Fact]
    public async Task Holders_releasing_on_many_threads_return_the_array_exactly_once()
    {
        var lease = BodyLease.Rent(1000);
        for (var i = 0; i < 1000; i++)
        {
            lease.AddReference();
        }
        await Task.WhenAll(Enumerable.Range(0, 1000).Select(_ => Task.Run(lease.Release)));

        Assert.False(lease.Returned);
        lease.Release();
        Assert.True(lease.Returned);
    }
}
